// A launcher that daemonizes its child, as a double-forking init script does: an intermediate
// process starts the command and exits at once, so the server is orphaned and the kernel
// hands it to the PID namespace's init (in a pod: the bridge, PID 1 of the container). The
// launcher itself stays (the bridge's child for the session) until the bridge ends the
// session's process group. The server keeps the launcher's process group and stdio.
//   node daemonizes.mjs <command> [args...]
import { spawn } from 'node:child_process';

const intermediate =
  "require('child_process').spawn(process.argv[1], process.argv.slice(2), { stdio: 'inherit' }).unref();" +
  'process.exit(0);';
spawn(process.execPath, ['-e', intermediate, ...process.argv.slice(2)], { stdio: 'inherit' });
setInterval(() => {}, 1 << 30);
