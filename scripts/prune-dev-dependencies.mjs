#!/usr/bin/env node
// Removes from APP/node_modules every package that is not a production dependency of APP, as
// `npm ls --omit=dev` lists them, and the .bin links and npm's hidden lockfile. npm ls only reads
// the tree. `npm prune` would do the same but may extract packages again when its lockfile and the
// tree differ at all, and then builds their native modules anew (for minutes, and for this
// machine, not the one the tree was built for) or, with --ignore-scripts, leaves them without.
//
//   node scripts/prune-dev-dependencies.mjs APP
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const app = fs.realpathSync(process.argv[2] ?? '.');
// A node_modules that is a link belongs to another tree, which this must not change.
if (fs.lstatSync(path.join(app, 'node_modules')).isSymbolicLink()) {
  console.error(`prune-dev-dependencies: ${app}/node_modules is a link: copy the tree it points to first`);
  process.exit(1);
}
let listed;
try {
  listed = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: app, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
} catch (error) {
  // npm ls exits 1 when it also has problems to report (an extraneous package): its list stands.
  listed = error.stdout ?? '';
}
const keep = new Set(listed.split('\n').filter((line) => line !== ''));
if (!keep.has(app)) {
  console.error(`prune-dev-dependencies: npm ls listed nothing for ${app}`);
  process.exit(1);
}

function prune(modules) {
  for (const name of fs.readdirSync(modules)) {
    const full = path.join(modules, name);
    if (name === '.bin' || name === '.package-lock.json') {
      fs.rmSync(full, { recursive: true, force: true });
    } else if (name.startsWith('@')) {
      prune(full);
      if (fs.readdirSync(full).length === 0) fs.rmdirSync(full);
    } else if (!keep.has(full)) {
      fs.rmSync(full, { recursive: true, force: true });
    } else if (fs.existsSync(path.join(full, 'node_modules'))) {
      prune(path.join(full, 'node_modules'));
    }
  }
}
prune(path.join(app, 'node_modules'));
