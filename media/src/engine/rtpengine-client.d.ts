// rtpengine-client ships no types; this is the part of its surface media uses.
declare module "rtpengine-client" {
  import type { EventEmitter } from "node:events";

  interface Target {
    host: string;
    port: number;
  }
  type Reply = Record<string, unknown>;
  class Client extends EventEmitter {
    constructor(opts: {
      timeout?: number;
      rejectOnError?: boolean;
      localAddress?: string;
      localPort?: number;
    });
    offer(target: Target, params: Record<string, unknown>): Promise<Reply>;
    answer(target: Target, params: Record<string, unknown>): Promise<Reply>;
    delete(target: Target, params: Record<string, unknown>): Promise<Reply>;
    query(target: Target, params: Record<string, unknown>): Promise<Reply>;
    list(target: Target, params: Record<string, unknown>): Promise<Reply>;
    ping(target: Target, params?: Record<string, unknown>): Promise<Reply>;
    playMedia(target: Target, params: Record<string, unknown>): Promise<Reply>;
    stopMedia(target: Target, params: Record<string, unknown>): Promise<Reply>;
    statistics(target: Target, params: Record<string, unknown>): Promise<Reply>;
    subscribeRequest(target: Target, params: Record<string, unknown>): Promise<Reply>;
    subscribeAnswer(target: Target, params: Record<string, unknown>): Promise<Reply>;
    unsubscribe(target: Target, params: Record<string, unknown>): Promise<Reply>;
    startRecording(target: Target, params: Record<string, unknown>): Promise<Reply>;
    stopRecording(target: Target, params: Record<string, unknown>): Promise<Reply>;
    close(): void;
  }
  const rtpengine: { Client: typeof Client };
  export default rtpengine;
}
