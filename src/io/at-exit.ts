// Work a process must still do when it exits: remove the artifacts its servers extracted, write the log lines it
// holds. One 'exit' listener runs all of it, however many servers start in the process and however many times a
// module that registers work is evaluated in it (a test runner evaluates modules anew for each test file in one
// worker): a listener each passed Node's limit of 10 and printed MaxListenersExceededWarning.
const TASKS = Symbol.for('ood.atExit');

/** Run `task` when the process exits (after a failing task too); returns a function that takes it back. */
export function atExit(task: () => void): () => void {
  const holder = globalThis as { [TASKS]?: Set<() => void> };
  let tasks = holder[TASKS];
  if (!tasks) {
    const created = new Set<() => void>();
    process.on('exit', () => {
      for (const run of created)
        try {
          run();
        } catch {
          // the process is ending: the other tasks still run
        }
    });
    holder[TASKS] = tasks = created;
  }
  tasks.add(task);
  return () => void tasks.delete(task);
}
