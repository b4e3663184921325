/** A progress bar on stderr, drawn only when `enabled` (a TTY, not CI, not --json, not --quiet). */
export interface Progress {
  tick(label?: string): void;
  done(): void;
}

export function createProgress(stream: NodeJS.WritableStream, total: number, title: string, enabled: boolean): Progress {
  let n = 0;
  const draw = (label = '') => {
    if (!enabled) return;
    const width = 30;
    const filled = total > 0 ? Math.round((n / total) * width) : width;
    stream.write(`\r${title} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${n}/${total} ${label}\x1b[K`);
  };
  return {
    tick(label) {
      n += 1;
      draw(label);
    },
    done() {
      if (enabled) stream.write('\n');
    },
  };
}
