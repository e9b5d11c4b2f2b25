// The example handlers of inflight's real-runtime sweeps (bench/functions/README.md):
//   index.io      awaits a 2 ms timer, as an IO-bound handler awaits a downstream call;
//   index.cpu     the same wait, then 200 us of synchronous CPU work;
//   index.throws  the wait, then throws on every tenth call (errors counted by errorType);
//   index.logs    the wait, then one console.log line (what JSON logging costs the client).
import { setTimeout as sleep } from "node:timers/promises";

export const io = async () => {
  await sleep(2);
  return { ok: true };
};

export const cpu = async () => {
  await sleep(2);
  const end = process.hrtime.bigint() + 200_000n;
  let x = 0;
  while (process.hrtime.bigint() < end) x += 1;
  return { ok: true, spins: x };
};

export const logs = async (event) => {
  await sleep(2);
  console.log("handled", event);
  return { ok: true };
};

let calls = 0;
export const throws = async () => {
  await sleep(2);
  calls += 1;
  if (calls % 10 === 0) throw new RangeError(`call ${calls} fails, as every tenth does`);
  return { ok: true };
};
