// Waiting in the extension-host tests: conditions are polled, never slept on blindly.

export const WAIT_MS = 90_000;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `probe` until it returns something truthy; the error says what was awaited, with the last
 * error the probe threw (a probe that throws is retried: see the skipped test on searches during a
 * reopen in extension.test.ts for the one known cause).
 */
export async function until<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, what: string | (() => string | Promise<string>), ms = WAIT_MS): Promise<T> {
  const end = Date.now() + ms;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > end) {
      const why = typeof what === 'string' ? what : await what();
      throw new Error(`timed out after ${ms} ms waiting for ${why}${lastError ? ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})` : ''}`);
    }
    await sleep(100);
  }
}
