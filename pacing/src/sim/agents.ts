// Simulated agent shifts: staggered logins, breaks and lunch, late joiners and early leavers.
import { Rng } from "./telephony/rng.ts";

export type PauseReason = "break" | "lunch" | "meeting" | "training" | "coaching" | "technical" | "other";

export interface AgentPlan {
  agentId: string;
  skills: string[];
  loginAtMs: number;
  logoutAtMs: number;
  pauses: { atMs: number; durationS: number; reason: PauseReason }[];
  wrapMeanS: number;
  wrapSdS: number;
}

export interface ShiftParams {
  agents: number;
  startMs: number;
  hours: number;
  wrapMeanS: number;
  wrapSdS: number;
  skills: string[];
  /** Share of agents who join up to 2 h late or leave up to 2 h early. */
  partialShare: number;
  /** Breaks and lunch (false: agents stay available all shift). */
  pauses: boolean;
}

export function shiftPlans(seed: string | number, p: ShiftParams): AgentPlan[] {
  const r = new Rng(`shift|${seed}`);
  const H = 3_600_000;
  const end = p.startMs + p.hours * H;
  const plans: AgentPlan[] = [];
  for (let i = 0; i < p.agents; i++) {
    let login = p.startMs + r.uniform(0, 5 * 60_000);
    let logout = end - r.uniform(0, 5 * 60_000);
    if (r.next() < p.partialShare) {
      if (r.next() < 0.5) login += r.uniform(0, 2 * H);
      else logout -= r.uniform(0, 2 * H);
    }
    const pauses: AgentPlan["pauses"] = [];
    if (p.pauses && p.hours >= 3) {
      const f = p.hours / 8;
      pauses.push({
        atMs: p.startMs + f * (2 * H + r.uniform(-0.5, 0.5) * H),
        durationS: 900,
        reason: "break",
      });
      pauses.push({
        atMs: p.startMs + f * (4 * H + r.uniform(-0.75, 0.75) * H),
        durationS: 1800,
        reason: "lunch",
      });
      pauses.push({
        atMs: p.startMs + f * (6 * H + r.uniform(-0.5, 0.5) * H),
        durationS: 900,
        reason: "break",
      });
    }
    plans.push({
      agentId: `agent-${String(i + 1).padStart(3, "0")}`,
      skills: p.skills,
      loginAtMs: login,
      logoutAtMs: Math.max(login + 60_000, logout),
      pauses: pauses.filter((x) => x.atMs > login && x.atMs < logout),
      wrapMeanS: p.wrapMeanS,
      wrapSdS: p.wrapSdS,
    });
  }
  return plans;
}
