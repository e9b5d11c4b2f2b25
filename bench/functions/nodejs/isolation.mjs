// Handlers for inflight's isolation check (bench/functions/README.md, "The isolation check"): real
// Lambda libraries, and the classic bug of a response built from module state. Each writes its
// own request id base64-encoded in a field named `writer`, which the tests decode to count the
// truth; the check itself finds only ids as Lambda writes them, so it never reads that field.
//   isolation.powertoolsBuggy  @aws-lambda-powertools/logger 2.33.1: addContext() kept the context
//                              in the instance, so a line written after an await carries the id
//                              of the invocation that started last (powertools-lambda-typescript
//                              #5429, fixed in 2.34.0);
//   isolation.powertoolsFixed  the same handler on 2.36.0, which keeps it per invocation;
//   isolation.moduleState      returns the user of the event it was given, through a module-level
//                              variable that a concurrent invocation overwrites during its await.
import { setTimeout as sleep } from "node:timers/promises";
import { Logger as BuggyLogger } from "powertools-logger-buggy";
import { Logger as FixedLogger } from "powertools-logger-fixed";

const writer = (context) => Buffer.from(context.awsRequestId).toString("base64");

const withLogger = (logger) => async (event, context) => {
  logger.addContext(context);
  await sleep(2);
  logger.info("handled", { writer: writer(context) });
  return { ok: true };
};

export const powertoolsBuggy = withLogger(new BuggyLogger({ serviceName: "isolation" }));
export const powertoolsFixed = withLogger(new FixedLogger({ serviceName: "isolation" }));

let user;
export const moduleState = async (event) => {
  user = event.user;
  await sleep(2);
  return { user };
};
