//! A small authoritative DNS server on loopback for verification tests: it
//! answers TXT questions from a table the test fills, NXDOMAIN otherwise.

use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::rdata::TXT;
use hickory_proto::rr::{RData, Record, RecordType};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::net::UdpSocket;

#[derive(Clone)]
pub struct DnsServer {
    pub addr: SocketAddr,
    records: Arc<Mutex<HashMap<String, String>>>,
}

impl DnsServer {
    pub async fn start() -> DnsServer {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        let records: Arc<Mutex<HashMap<String, String>>> = Arc::default();
        let table = records.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 1500];
            loop {
                let Ok((n, peer)) = socket.recv_from(&mut buf).await else { return };
                let Ok(q) = Message::from_vec(&buf[..n]) else { continue };
                let mut r = Message::response(q.metadata.id, q.metadata.op_code);
                r.metadata.recursion_desired = q.metadata.recursion_desired;
                r.metadata.recursion_available = true;
                r.metadata.authoritative = true;
                r.add_queries(q.queries.to_vec());
                let mut found = false;
                for query in &q.queries {
                    let name = query.name.to_ascii().trim_end_matches('.').to_lowercase();
                    if query.query_type == RecordType::TXT {
                        if let Some(v) = table.lock().unwrap().get(&name) {
                            r.add_answer(Record::from_rdata(
                                query.name.clone(),
                                60,
                                RData::TXT(TXT::new(vec![v.clone()])),
                            ));
                            found = true;
                        }
                    }
                }
                if !found {
                    r.metadata.response_code = ResponseCode::NXDomain;
                }
                if let Ok(bytes) = r.to_vec() {
                    let _ = socket.send_to(&bytes, peer).await;
                }
            }
        });
        DnsServer { addr, records }
    }

    pub fn set_txt(&self, name: &str, value: &str) {
        self.records.lock().unwrap().insert(name.to_lowercase(), value.to_owned());
    }
}
