// @cc/media: call control over SIP (drachtio-srf + drachtio-server) and media (rtpengine), with call
// progress analysis on the customer leg's audio. Implements pacing's CallControl boundary.
