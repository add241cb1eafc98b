// The origin behind Pushpin, in Node with no dependencies, as Pushpin's docs describe it: an SSE
// request is held open on its channels with GRIP headers; a WebSocket (relayed by Pushpin as
// WebSocket-over-HTTP) is subscribed to its channels with GRIP control messages. Channels come
// from the query: ?channels=a,b. Publishing goes to Pushpin's own HTTP publish API, not here.
const http = require("http");

const port = Number(process.env.PORT || 7998);

function channelsOf(url) {
  const q = new URL(url, "http://x").searchParams.get("channels") || "";
  return q.split(",").filter(Boolean);
}

function wsEvent(type, content) {
  if (content === undefined) return `${type}\r\n`;
  return `${type} ${Buffer.byteLength(content).toString(16)}\r\n${content}\r\n`;
}

http
  .createServer((req, res) => {
    const channels = channelsOf(req.url);
    if (req.headers["content-type"] === "application/websocket-events") {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        let out = "";
        if (body.startsWith("OPEN")) {
          out += wsEvent("OPEN");
          for (const c of channels) {
            out += wsEvent("TEXT", "c:" + JSON.stringify({ type: "subscribe", channel: c }));
          }
          // a first message, so the client knows it is subscribed (as Herald's connected frame)
          out += wsEvent("TEXT", JSON.stringify({ type: "connected" }));
        } else if (body.includes("CLOSE")) {
          out += wsEvent("CLOSE", "\u0003\u00e8");
        }
        // Node would otherwise answer "Connection: close", which Pushpin passes on into the
        // client's 101 beside its own "Upgrade"; strict clients refuse that handshake.
        res.shouldKeepAlive = true;
        res.writeHead(200, {
          "Content-Type": "application/websocket-events",
          "Sec-WebSocket-Extensions": "grip",
          Connection: "keep-alive",
        });
        res.end(out);
      });
      return;
    }
    if (req.url.startsWith("/sse")) {
      res.writeHead(200, {
        "Content-Type": "text/event-stream",
        "Grip-Hold": "stream",
        "Grip-Channel": channels.join(", "),
      });
      res.end("event: connected\ndata: {}\n\n");
      return;
    }
    res.writeHead(404).end();
  })
  .listen(port, "127.0.0.1", () => console.log(`pushpin origin on ${port}`));
