// @cc/media: call control (the boundary the dialer talks to) and its simulated implementation.
export * from "./src/call-control/types.ts";
export { type Clock, RealClock, type TimerHandle, VirtualClock } from "./src/sim/clock.ts";
export {
  type CallPlan,
  type CustomerModel,
  type CustomerParams,
  customerModel,
  DEFAULT_CUSTOMERS,
  type TrueOutcome,
} from "./src/sim/customers.ts";
export { Rng } from "./src/sim/rng.ts";
export { SimCallControl, type SimTelephonyOptions } from "./src/sim/telephony.ts";
