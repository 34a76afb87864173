// npm run bench -- pacing [--quick] [--json PATH]
// Scenario matrix × algorithms in the discrete-event simulator (8 simulated hours each).
// Occupancy = talk / logged-in time excluding pause; abandon rate = ground-truth live people not
// connected to an agent (AMD false positives included) / live people who answered.
import { predictive, progressive, type Scenario, type SimResult, simulate, vicidial } from "@cc/pacing";
import type { BenchOptions } from "./types.ts";

type Algo = "bound" | "progressive" | "vicidial" | "predictive";
const ALGOS: Algo[] = ["bound", "progressive", "vicidial", "predictive"];

function algorithm(a: Algo) {
  if (a === "bound") return "oracle" as const;
  if (a === "progressive") return progressive(1);
  if (a === "vicidial") return vicidial();
  return predictive();
}

export function scenarioMatrix(): Omit<Scenario, "seed">[] {
  const out: Omit<Scenario, "seed">[] = [];
  for (const agents of [5, 20, 100])
    for (const liveRate of [0.08, 0.25, 0.4])
      for (const talkMeanS of [90, 300])
        out.push({
          name: `n${agents}-live${Math.round(liveRate * 100)}-talk${talkMeanS}`,
          agents,
          hours: 8,
          liveRate,
          talkMeanS,
          wrapMeanS: 15,
          driftAmplitude: 0,
        });
  out.push({
    name: "n20-live25-talk90-drift50",
    agents: 20,
    hours: 8,
    liveRate: 0.25,
    talkMeanS: 90,
    wrapMeanS: 15,
    driftAmplitude: 0.5,
  });
  out.push({
    name: "n100-live25-talk90-drift50",
    agents: 100,
    hours: 8,
    liveRate: 0.25,
    talkMeanS: 90,
    wrapMeanS: 15,
    driftAmplitude: 0.5,
  });
  return out;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export async function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  const seeds = opts.quick ? [1] : [1, 2, 3];
  const t0 = performance.now();
  const rows: Record<string, unknown>[] = [];
  console.log(
    [
      "scenario".padEnd(28),
      "algorithm".padEnd(20),
      "occ",
      "%bound",
      "talk/h",
      "aband",
      "max-ab",
      "gap",
      "gap90",
      "att/h",
    ].join("\t"),
  );
  for (const sc of scenarioMatrix()) {
    const per = new Map<Algo, SimResult[]>();
    for (const a of ALGOS) {
      per.set(
        a,
        seeds.map((seed) => {
          const { runner: _runner, ...r } = simulate({ ...sc, seed }, algorithm(a));
          return r;
        }),
      );
    }
    const bound = mean(per.get("bound")!.map((r) => r.occupancy));
    for (const a of ALGOS) {
      const rs = per.get(a)!;
      const occ = mean(rs.map((r) => r.occupancy));
      const row = {
        scenario: sc.name,
        agents: sc.agents,
        live_rate: sc.liveRate,
        talk_mean_s: sc.talkMeanS,
        drift: sc.driftAmplitude,
        algorithm: a === "vicidial" ? rs[0]!.algorithm : a,
        seeds: seeds.length,
        occupancy: occ,
        talk_min_per_agent_hour: mean(rs.map((r) => r.talkMinPerAgentHour)),
        abandon_rate: mean(rs.map((r) => r.abandonRate)),
        abandon_rate_max: Math.max(...rs.map((r) => r.abandonRate)),
        system_abandon_rate: mean(rs.map((r) => r.systemAbandonRate)),
        live_answers: mean(rs.map((r) => r.trueLiveAnswers)),
        idle_gap_mean_s: mean(rs.map((r) => r.idleGapMeanS)),
        idle_gap_p90_s: mean(rs.map((r) => r.idleGapP90S)),
        attempts_per_agent_hour: mean(rs.map((r) => r.attemptsPerAgentHour)),
        bound_occupancy: bound,
        fraction_of_bound: bound > 0 ? occ / bound : 0,
        max_message_delay_ms: Math.max(...rs.map((r) => r.maxMessageDelayMs)),
        wall_ms: mean(rs.map((r) => r.wallMs)),
      };
      rows.push(row);
      console.log(
        [
          sc.name.padEnd(28),
          String(row.algorithm).padEnd(20),
          pct(occ),
          pct(row.fraction_of_bound),
          row.talk_min_per_agent_hour.toFixed(1),
          pct(row.abandon_rate),
          pct(row.abandon_rate_max),
          row.idle_gap_mean_s.toFixed(1),
          row.idle_gap_p90_s.toFixed(1),
          row.attempts_per_agent_hour.toFixed(0),
        ].join("\t"),
      );
    }
  }
  const goals = checkGoals(rows);
  console.log(`\n${goals.map((g) => `${g.ok ? "MET " : "MISS"} ${g.goal}: ${g.detail}`).join("\n")}`);
  console.log(`total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { cap: 0.03, hours: 8, seeds, scenarios: rows, goals };
}

function checkGoals(rows: Record<string, unknown>[]) {
  const by = (alg: string) =>
    rows.filter((r) =>
      alg === "vicidial" ? String(r.algorithm).startsWith("vicidial") : r.algorithm === alg,
    );
  const pred = by("predictive");
  const vici = by("vicidial");
  const big = pred.filter((r) => (r.agents as number) >= 20);
  const miss95 = big.filter(
    (r) => (r.fraction_of_bound as number) < 0.95 || (r.abandon_rate as number) > 0.03,
  );
  const beat = pred.map((p) => {
    const v = vici.find((x) => x.scenario === p.scenario)!;
    const dOcc = (p.occupancy as number) - (v.occupancy as number);
    return {
      s: p.scenario,
      ok: dOcc >= 0.05 && (p.abandon_rate as number) <= Math.max(v.abandon_rate as number, 0.03),
      dOcc,
    };
  });
  const small = pred.filter((r) => r.agents === 5 && (r.abandon_rate_max as number) > 0.03);
  return [
    {
      goal: "predictive ≥ 95% of bound at ≤ 3% abandon, teams ≥ 20",
      ok: miss95.length === 0,
      detail: `${big.length - miss95.length}/${big.length} scenarios; misses: ${miss95.map((r) => `${r.scenario} ${pct(r.fraction_of_bound as number)}`).join(", ") || "none"}`,
    },
    {
      goal: "predictive beats VICIdial-style by ≥ 5 points occupancy at ≤ abandon",
      ok: beat.every((b) => b.ok),
      detail: `${beat.filter((b) => b.ok).length}/${beat.length}; misses: ${
        beat
          .filter((b) => !b.ok)
          .map((b) => `${b.s} +${(b.dOcc * 100).toFixed(1)}pt`)
          .join(", ") || "none"
      }`,
    },
    {
      goal: "predictive never over the cap with 5 agents (every seed)",
      ok: small.length === 0,
      detail: `${small.length} over`,
    },
  ];
}
