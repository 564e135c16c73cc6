// The real @sentry/node SDK sending one scenario to onwatch, for test_sentry_node.py.
// Usage: node send.mjs DSN SCENARIO (or SENTRY_DSN / ONWATCH_SCENARIO); exits 0 once flushed.
import * as Sentry from "@sentry/node";

const dsn = process.argv[2] ?? process.env.SENTRY_DSN;
const scenario = process.argv[3] ?? process.env.ONWATCH_SCENARIO;

// Two call sites: grouping keys on the in-app frames, so these are two issues.
function placeA(cart) {
  if (cart.total === undefined) throw new TypeError(`cart ${cart.id} has no total`);
  return cart.total;
}

function placeB(cart) {
  if (cart.total === undefined) throw new TypeError(`cart ${cart.id} has no total`);
  return cart.total;
}

// Each cart has its own id, so the SDK's dedupe integration (which drops an event equal to the
// one before it) lets a repeat from the same place through, as it would in production.
let carts = 0;
function capture(place, extra) {
  try {
    place({ id: ++carts });
  } catch (error) {
    Sentry.captureException(error, extra ? { extra } : undefined);
  }
}

const scenarios = {
  exception: () => capture(placeA),
  twice: () => {
    capture(placeA);
    capture(placeA);
  },
  sites: () => {
    capture(placeA);
    capture(placeB);
    capture(placeA);
  },
  message: () => {
    Sentry.captureMessage("payment provider timed out", "warning");
    Sentry.captureMessage("payment provider timed out", "warning");
  },
  // The process session the SDK starts at init, ended and sent now rather than at exit.
  session: () => Sentry.endSession(),
  // The SDK gzips a body over 32 KiB (transports/http.js, GZIP_THRESHOLD): one large event, then
  // one small one that goes plain.
  compression: () => {
    const big = {};
    for (let i = 0; i < 400; i++) big[`line${i}`] = `${i} `.padEnd(120, "x");
    capture(placeA, big);
    capture(placeA);
  },
};

if (!dsn || !(scenario in scenarios)) {
  console.error(`usage: node send.mjs DSN (${Object.keys(scenarios).join("|")})`);
  process.exit(2);
}

Sentry.init({
  dsn,
  release: "checkout@1.4.0",
  environment: "production",
  // Without the process session everywhere but the session scenario, each run sends exactly the
  // envelopes its scenario names.
  integrations: (defaults) =>
    scenario === "session" ? defaults : defaults.filter((i) => i.name !== "ProcessSession"),
});
scenarios[scenario]();
// The transport sends envelopes concurrently; close waits for all of them, then disables the SDK.
const flushed = await Sentry.close(10000);
process.exit(flushed ? 0 : 1);
