import type { Command } from 'commander';
import { buildProgram } from '../../src/main.js';

function leaves(cmd: Command, path: string[] = []): string[][] {
  return cmd.commands.length === 0 ? [path] : cmd.commands.flatMap((c) => leaves(c, [...path, c.name()]));
}

/** Every command of the program ('lake ls', 'train', …), found from the program itself, so a new command joins every loop. */
export function allCommands(): string[] {
  const sink = { write: () => true } as unknown as NodeJS.WritableStream;
  return leaves(buildProgram({ stdout: sink, stderr: sink }, async () => {})).map((p) => p.join(' '));
}
