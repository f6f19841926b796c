// A launcher that waits for its child, as npx and uvx do: it starts the command it is given
// with the same stdio, stays its parent, and exits with the child's status.
//   node waits.mjs <command> [args...]
import { spawn } from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
