// Process trees from /proc, for tests that check what a bridge leaves behind: the mcp tier
// (through harness.mjs) and the e2e tier, which reads a pod's bridge from the host. No
// dependencies and no environment, so both can import it.
import fs from 'node:fs';

// Every descendant of `pid` with its state letter from /proc/<pid>/stat (Z: a zombie).
export function descendants(pid) {
  const children = new Map();
  const state = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      state.set(Number(d), f[0]);
      const ppid = Number(f[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(d));
    } catch {
      // gone while we looked
    }
  }
  const out = [];
  const walk = (p) => {
    for (const c of children.get(p) || []) {
      out.push({ pid: c, ppid: p, state: state.get(c) });
      walk(c);
    }
  };
  walk(pid);
  return out;
}

// Waits up to `ms` for `pid` to have exactly `want` descendants and no zombie among them;
// returns the last tree seen either way.
export async function settle(pid, want, ms) {
  const deadline = Date.now() + ms;
  let tree = descendants(pid);
  while (Date.now() < deadline && (tree.length !== want || tree.some((p) => p.state === 'Z'))) {
    await new Promise((r) => setTimeout(r, 200));
    tree = descendants(pid);
  }
  return tree;
}
