import { connect } from 'node:net';

/** A decoded RESP2 reply: what the few commands the helpers send can answer. */
export type RespReply = string | number | null | RespReply[];

/** Thrown for a RESP error reply (`-ERR …`). */
export class RespError extends Error {}

/**
 * Sends one command to a Redis server over a fresh connection and resolves its reply.
 *
 * The helpers speak RESP themselves so that they need no Redis client library: they are used by
 * this package's tests, by the benchmark tool and by third parties, none of which should have to
 * agree on an ioredis version with them.
 */
export function sendRedisCommand(
  host: string,
  port: number,
  args: readonly string[],
  timeoutMs = 2000,
): Promise<RespReply> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let buffer = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis ${host}:${port} did not answer ${args[0]} within ${timeoutMs} ms`));
    }, timeoutMs);
    const finish = (error: Error | undefined, reply?: RespReply) => {
      clearTimeout(timer);
      socket.destroy();
      if (error === undefined) resolve(reply ?? null);
      else reject(error);
    };
    socket.on('error', (error) => finish(error));
    socket.on('connect', () => socket.write(encodeCommand(args)));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      let parsed: { reply: RespReply; end: number } | undefined;
      try {
        parsed = parseReply(buffer, 0);
      } catch (error) {
        finish(error as Error);
        return;
      }
      if (parsed !== undefined) finish(undefined, parsed.reply);
    });
    socket.on('close', () => finish(new Error(`redis ${host}:${port} closed the connection`)));
  });
}

function encodeCommand(args: readonly string[]): string {
  let out = `*${args.length}\r\n`;
  for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  return out;
}

// Returns undefined while the reply is still incomplete.
function parseReply(buffer: Buffer, start: number): { reply: RespReply; end: number } | undefined {
  const lineEnd = buffer.indexOf('\r\n', start);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buffer[start]!);
  const line = buffer.toString('utf8', start + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { reply: line, end: next };
    case '-':
      throw new RespError(line);
    case ':':
      return { reply: Number(line), end: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { reply: null, end: next };
      if (buffer.length < next + length + 2) return undefined;
      return { reply: buffer.toString('utf8', next, next + length), end: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { reply: null, end: next };
      const items: RespReply[] = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buffer, at);
        if (item === undefined) return undefined;
        items.push(item.reply);
        at = item.end;
      }
      return { reply: items, end: at };
    }
    default:
      throw new Error(`unexpected RESP reply type ${JSON.stringify(type)}`);
  }
}
