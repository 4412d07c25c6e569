// Starts the real search-server on a loopback port over a real index of
// the bundled sample listings, for the web tests. Paths come from the
// environment that `meson test` sets (INDEXER_BIN, SERVER_BIN, ...).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const adminKey = 'test-admin-key';

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the web tests through meson test (scripts/test.sh)`);
  return value;
}

// With `writes`, the server takes documents (admin key `adminKey`) into a
// feed directory that a `listing-indexer follow` started here applies.
// With `searchKey`, the server has that search key (the page gets it).
export async function startServer({ writes = false, searchKey = '' } = {}) {
  const dataDir = required('PROJECT_DATA_DIR');
  const dir = mkdtempSync(path.join(tmpdir(), 'listing-web-test-'));
  const index = path.join(dir, 'index');
  const feed = path.join(dir, 'feed');
  execFileSync(required('INDEXER_BIN'), ['build', '--quiet', '--feed', path.join(dataDir, 'sample_listings.jsonl'),
    '--index', index, '--data-dir', dataDir]);
  if (writes) mkdirSync(feed);
  const writeOptions = writes ? ['--admin-token', adminKey, '--feed-dir', feed] : [];
  if (searchKey) writeOptions.push('--search-key', searchKey);
  const server = spawn(required('SERVER_BIN'), ['--index', index, '--data-dir', dataDir, '--port', '0',
    '--web-dir', required('WEB_DIST_DIR'), ...writeOptions], { stdio: ['ignore', 'pipe', 'inherit'] });
  const follower = writes
    ? spawn(required('INDEXER_BIN'), ['follow', '--quiet', '--feed', feed, '--index', index, '--data-dir', dataDir],
      { stdio: ['ignore', 'ignore', 'inherit'] })
    : null;
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('search-server did not start within 20 s')), 20000);
    server.stdout.on('data', (chunk) => {
      const listening = /listening on (http:\/\/\S+)/.exec(chunk.toString());
      if (listening) {
        clearTimeout(timer);
        resolve(listening[1]);
      }
    });
    server.on('exit', (code) => reject(new Error(`search-server exited with ${code}`)));
  });
  return {
    url,
    // Removes the index and feed only once both processes are gone: a
    // follower still draining the feed when its directory went printed
    // "directory iterator cannot open directory" into the test's output.
    async stop() {
      const exited = (child) => (child === null || child.exitCode !== null || child.signalCode !== null
        ? Promise.resolve()
        : new Promise((resolve) => child.once('exit', resolve)));
      const gone = Promise.all([exited(follower), exited(server)]);
      follower?.kill('SIGTERM');
      server.kill('SIGTERM');
      await gone;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
