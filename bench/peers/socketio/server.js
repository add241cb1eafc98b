// A minimal Socket.IO broadcast server, as a team would write one: clients join the rooms named
// in their handshake query (?channels=a,b), a backend publishes with POST /publish
// {"channel": "...", "event": "...", "data": ...} (or {"events": [...]} for several) and each event
// is emitted to its room.
const http = require("http");
const { Server } = require("socket.io");

const port = Number(process.env.PORT || 3000);
const server = http.createServer((req, res) => {
  if (req.method === "POST" && req.url === "/publish") {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      try {
        // one event, or a batch: {"events": [{"channel", "event", "data"}, ...]}
        const parsed = JSON.parse(body);
        for (const { channel, event, data } of parsed.events || [parsed]) {
          io.to(channel).emit(event || "message", data);
        }
        res.writeHead(202).end();
      } catch (e) {
        res.writeHead(400).end(String(e));
      }
    });
    return;
  }
  if (req.url === "/health") {
    res.writeHead(200).end("ok");
    return;
  }
  res.writeHead(404).end();
});
const io = new Server(server, { transports: ["websocket"], serveClient: false });
io.on("connection", (socket) => {
  const channels = String(socket.handshake.query.channels || "").split(",").filter(Boolean);
  channels.forEach((c) => socket.join(c));
});
server.listen(port, "0.0.0.0", () => console.log(`socket.io peer on ${port}`));
