import pino from "pino";
import { config } from "./config.ts";

export const log = pino({ name: "dashboard", level: config().LOG_LEVEL });
