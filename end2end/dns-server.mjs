// A small DNS server for the browser tests: it answers TXT questions from
// the JSON file named by E2E_DNS_RECORDS ({"name": "value"}), re-read on
// every question so tests can publish records, and NXDOMAIN otherwise.
// The portal under test looks custom domains up here (APP_DNS_RESOLVER).
import dgram from "node:dgram";
import { readFileSync } from "node:fs";
import packet from "dns-packet";

const port = Number(process.env.E2E_DNS_PORT ?? 5399);
const file = process.env.E2E_DNS_RECORDS;

function records() {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return {};
  }
}

const socket = dgram.createSocket("udp4");
socket.on("message", (msg, peer) => {
  let query;
  try {
    query = packet.decode(msg);
  } catch {
    return;
  }
  const table = records();
  const answers = [];
  for (const q of query.questions ?? []) {
    const value = table[q.name.toLowerCase().replace(/\.$/, "")];
    if (q.type === "TXT" && value !== undefined) answers.push({ type: "TXT", name: q.name, ttl: 5, data: [value] });
  }
  const reply = packet.encode({
    id: query.id,
    type: "response",
    flags: packet.AUTHORITATIVE_ANSWER | packet.RECURSION_AVAILABLE | (answers.length ? 0 : 3),
    questions: query.questions,
    answers,
  });
  socket.send(reply, peer.port, peer.address);
});
socket.bind(port, "127.0.0.1", () => console.log(`test DNS server on 127.0.0.1:${port}`));
