import { DestinationStream } from 'pino';

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};
const COLOURS: Record<number, string> = { 20: '90', 40: '33', 50: '31', 60: '35' };
/** Fields every line has, or that the line shows in its own place. */
const SHOWN = new Set(['level', 'time', 'pid', 'hostname', 'service', 'msg', 'context', 'trace']);

/**
 * Pino's JSON line as a person reads it on a terminal:
 * `12:01:02.345 INFO  [Context] message key=value ...`, a stack on the lines below.
 * Ten lines instead of pino-pretty and its dependencies: nothing else is needed.
 */
export function prettyLine(json: string, colour: boolean): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const level = Number(entry.level);
  const name = LEVELS[level] ?? String(entry.level);
  const tint = colour && COLOURS[level];
  const time = new Date(Number(entry.time)).toISOString().slice(11, 23);
  const context = typeof entry.context === 'string' ? `[${entry.context}] ` : '';
  const fields = Object.entries(entry)
    .filter(([key, value]) => !SHOWN.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const head = `${time} ${tint ? `\x1b[${tint}m${name}\x1b[0m` : name} ${context}${typeof entry.msg === 'string' ? entry.msg : ''}`;
  const trace = typeof entry.trace === 'string' ? `\n${entry.trace}` : '';
  return `${[head, ...fields].join(' ')}${trace}\n`;
}

/** A pino destination that writes pretty lines to `out`. */
export function prettyDestination(out: NodeJS.WriteStream): DestinationStream {
  const colour = out.isTTY === true;
  return { write: (line: string) => void out.write(prettyLine(line, colour)) };
}
