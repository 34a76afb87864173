// rtpengine flag profiles, kept as data: which SDP rewriting each leg gets. Every profile keeps
// rtpengine's local ports across re-negotiation ("port latching"), which is what lets a bridge
// re-point a leg inside rtpengine without any SIP towards the phone or the carrier.

type Flags = Record<string, unknown>;

const common: Flags = {
  replace: ["origin", "session-connection"],
  flags: ["port latching"],
};

/** Plain RTP on both sides: our own endpoint (detector, player) ↔ the carrier trunk. */
export const CARRIER_LEG: Flags = {
  ...common,
  ICE: "remove",
  "transport-protocol": "RTP/AVP",
};

/**
 * Towards the plain side of an agent's persistent session (our park socket, later a customer's
 * call): plain RTP without ICE or DTLS, G.711 only so a bridge never needs transcoding.
 */
export const AGENT_PLAIN_SIDE: Flags = {
  ...common,
  ICE: "remove",
  DTLS: "off",
  "transport-protocol": "RTP/AVP",
  "rtcp-mux": ["demux"],
  codec: { strip: ["all"], except: ["PCMU", "PCMA", "telephone-event"] },
};

/** Back towards a browser softphone: WebRTC requires ICE, DTLS-SRTP and rtcp-mux. */
export const AGENT_WEBRTC_SIDE: Flags = {
  ...common,
  ICE: "force",
  "transport-protocol": "UDP/TLS/RTP/SAVPF",
  "rtcp-mux": ["require"],
};

/** Back towards a plain SIP softphone or desk phone. */
export const AGENT_RTP_SIDE: Flags = {
  ...common,
  ICE: "remove",
  "transport-protocol": "RTP/AVP",
};

/** True when an SDP offer comes from a WebRTC endpoint (DTLS-SRTP profile). */
export function isWebRtcSdp(sdp: string): boolean {
  return /^m=audio \d+ UDP\/TLS\/RTP\/SAVPF/m.test(sdp);
}
