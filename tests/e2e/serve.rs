//! `pawc serve` over loopback on the tiny model: concurrent clients get exactly `pawc eval`'s answers, every
//! error has its status and code, and SIGTERM lets the calls in flight finish.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::sync::{Arc, Barrier};

use serde_json::{json, Value};

use crate::tiny::TinyProject;

/// A running `pawc serve` on a free port, stopped (SIGTERM) when dropped.
struct Served {
    child: Child,
    address: String,
    /// What the server printed on stderr after its address, read until it exits.
    log: std::thread::JoinHandle<String>,
}

impl Served {
    fn start(project: &TinyProject, extra: &[&str]) -> Served {
        let mut args = vec!["serve", ".", "--port", "0"];
        args.extend(extra);
        let mut child = project.command(&args).stderr(Stdio::piped()).spawn().unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let mut head = String::new();
        let address = loop {
            let line = lines
                .next()
                .unwrap_or_else(|| panic!("pawc serve stopped before listening:\n{head}"))
                .unwrap();
            head.push_str(&line);
            head.push('\n');
            if let Some(at) = line.find("http://") {
                break line[at + "http://".len()..].trim().to_string();
            }
        };
        let log = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>().join("\n"));
        Served { child, address, log }
    }

    /// Sends one request on a new connection; the status and the body.
    fn request(&self, method: &str, path: &str, body: &[u8]) -> (u16, String) {
        request(&self.address, method, path, body).expect("the server answers")
    }

    fn call(&self, function: &str, body: &Value) -> (u16, Value) {
        let (status, text) = self.request(
            "POST",
            &format!("/v1/functions/{function}"),
            body.to_string().as_bytes(),
        );
        (
            status,
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}")),
        )
    }

    /// Sends SIGTERM and waits: the exit code and everything printed after the address.
    fn stop(mut self) -> (Option<i32>, String) {
        terminate(&self.child);
        let status = self.child.wait().unwrap();
        let log = std::mem::replace(&mut self.log, std::thread::spawn(String::new));
        (status.code(), log.join().unwrap())
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn terminate(child: &Child) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// One HTTP/1.1 request with `Connection: close`; `None` when the connection fails.
fn request(address: &str, method: &str, path: &str, body: &[u8]) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(address).ok()?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).ok()?;
    // A server that refuses a body may answer before reading it all.
    let _ = stream.write_all(body);
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some((status, body.to_string()))
}

fn cases() -> Vec<Value> {
    let mut cases = Vec::new();
    for (i, text) in ["site down", "typo on page", "payment failed", "question about invoice"]
        .iter()
        .enumerate()
    {
        cases.push(json!({"fn": "urgency", "args": [text, i * 7]}));
        cases.push(json!({"fn": "is_alert", "args": [format!("{text} at node {i}")]}));
    }
    cases
}

#[test]
fn concurrent_clients_get_evals_answers_and_the_metrics_count_them() {
    let project = TinyProject::new(&[]);
    let cases = cases();
    let expected = project.eval(&cases);
    let served = Arc::new(Served::start(&project, &[]));
    let lock: Value = serde_json::from_str(&std::fs::read_to_string(project.path("paw.lock")).unwrap()).unwrap();

    let (status, listing) = served.request("GET", "/v1/functions", b"");
    assert_eq!(status, 200, "{listing}");
    let listing: Value = serde_json::from_str(&listing).unwrap();
    assert_eq!(
        listing["functions"][1],
        json!({
            "name": "urgency",
            "key": "main.urgency",
            "parameters": [
                {"name": "text", "schema": {"type": "string"}},
                {"name": "days", "schema": {"type": "integer"}},
            ],
            "returns": {"title": "Level", "type": "string", "enum": ["low", "high"]},
            "program": lock["functions"]["main.urgency"],
            "state": "built",
        })
    );

    let clients = 8;
    let barrier = Arc::new(Barrier::new(clients));
    let threads: Vec<_> = (0..clients)
        .map(|c| {
            let (served, barrier, cases) = (served.clone(), barrier.clone(), cases.clone());
            std::thread::spawn(move || {
                barrier.wait();
                // Each client starts at another case, so different calls are in flight at once.
                (0..cases.len())
                    .map(|i| {
                        let case = &cases[(i + c) % cases.len()];
                        let (status, answer) =
                            served.call(case["fn"].as_str().unwrap(), &json!({"args": case["args"]}));
                        assert_eq!(status, 200, "{answer}");
                        ((i + c) % cases.len(), answer)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for thread in threads {
        for (i, answer) in thread.join().unwrap() {
            let key = format!("main.{}", cases[i]["fn"].as_str().unwrap());
            assert_eq!(
                answer,
                json!({"value": expected[i]["value"], "confidence": expected[i]["confidence"], "program": lock["functions"][&key]}),
                "case {i}"
            );
        }
    }

    assert_eq!(
        served.request("GET", "/healthz", b""),
        (200, r#"{"status":"ok"}"#.to_string())
    );
    served.call("urgency", &json!({"args": ["one"]}));
    let (status, metrics) = served.request("GET", "/metrics", b"");
    assert_eq!(status, 200);
    for wanted in [
        "paw_calls_total{function=\"main.urgency\"} 32",
        "paw_calls_total{function=\"main.is_alert\"} 32",
        "paw_errors_total{code=\"bad_arguments\"} 1",
        "paw_call_seconds_bucket{le=\"+Inf\"} 64",
        "paw_call_seconds_count 64",
        // Every answered call was in one batch (how they were grouped depends on timing).
        "paw_batch_calls_sum 64",
        "paw_queue_depth 0",
    ] {
        assert!(metrics.contains(wanted), "missing {wanted:?} in\n{metrics}");
    }
    let served = Arc::try_unwrap(served).ok().unwrap();
    let (code, log) = served.stop();
    assert_eq!(code, Some(0), "{log}");
}

#[test]
fn every_error_has_its_status_code_and_a_message_that_says_what_to_fix() {
    let project = TinyProject::new(&["is_alert"]);
    let served = Served::start(&project, &[]);
    let error =
        |(status, body): (u16, Value)| (status, body["error"]["code"].clone(), body["error"]["message"].clone());
    let contains = |message: &Value, part: &str| message.as_str().unwrap().contains(part);

    let (status, text) = served.request("POST", "/v1/functions/urgency", b"{\"args\": [");
    let body: Value = serde_json::from_str(&text).unwrap();
    let (_, code, message) = error((status, body));
    assert_eq!((status, code.clone()), (400, json!("bad_request")), "{message}");
    assert!(
        contains(&message, "invalid JSON") && contains(&message, "send {\"args\": [...]}"),
        "{message}"
    );

    let (status, code, message) = error(served.call("urgency", &json!({"args": ["x"]})));
    assert_eq!((status, code), (400, json!("bad_arguments")));
    assert!(contains(&message, "1 arguments, but `urgency"), "{message}");

    let (status, code, message) = error(served.call("urgency", &json!({"args": ["x", "3"]})));
    assert_eq!((status, code), (400, json!("bad_arguments")));
    assert!(
        contains(&message, "argument `days` is \"3\", which is not a `int`"),
        "{message}"
    );

    let (status, code, message) = error(served.call("urgency", &json!({"fn": "is_alert", "args": ["x", 3]})));
    assert_eq!((status, code), (400, json!("wrong_function")), "{message}");

    let (status, code, message) = error(served.call("nope", &json!({"args": []})));
    assert_eq!((status, code), (404, json!("unknown_function")));
    assert!(contains(&message, "GET /v1/functions"), "{message}");

    let (status, text) = served.request("GET", "/v2/anything", b"");
    assert_eq!(status, 404, "{text}");
    assert!(text.contains("\"not_found\""), "{text}");

    let (status, text) = served.request("GET", "/v1/functions/urgency", b"");
    assert_eq!(status, 405, "{text}");
    assert!(text.contains("\"method_not_allowed\""), "{text}");

    let (status, code, message) = error(served.call("is_alert", &json!({"args": ["disk full"]})));
    assert_eq!((status, code), (409, json!("not_built")));
    assert!(
        contains(&message, "fuzzy fn `main.is_alert`: stale") && contains(&message, "run `pawc build"),
        "{message}"
    );
    let (_, listing) = served.request("GET", "/v1/functions", b"");
    let listing: Value = serde_json::from_str(&listing).unwrap();
    assert_eq!(listing["functions"][0]["state"], "stale");
    assert_eq!(listing["functions"][0]["program"], Value::Null);

    let big = format!("{{\"args\": [\"{}\", 1]}}", "x".repeat(2 << 20));
    let (status, text) = served.request("POST", "/v1/functions/urgency", big.as_bytes());
    assert_eq!(status, 413, "{text}");
    assert!(text.contains("\"body_too_large\""), "{text}");

    let (status, answer) = served.call("urgency", &json!({"args": ["still serving", 1]}));
    assert_eq!(status, 200, "{answer}");
    let (code, log) = served.stop();
    assert_eq!(code, Some(0), "{log}");
}

#[test]
fn a_full_queue_is_refused_with_503() {
    let project = TinyProject::new(&[]);
    let served = Arc::new(Served::start(&project, &["--workers", "1", "--queue", "0"]));
    let clients = 16;
    // Whether calls overlap depends on timing; rounds of simultaneous calls continue until one is refused.
    let mut refused = None;
    for _ in 0..50 {
        let barrier = Arc::new(Barrier::new(clients));
        let threads: Vec<_> = (0..clients)
            .map(|i| {
                let (served, barrier) = (served.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    served.call(
                        "urgency",
                        &json!({"args": [format!("ticket {i} about a slow checkout page"), i]}),
                    )
                })
            })
            .collect();
        for thread in threads {
            let (status, body) = thread.join().unwrap();
            match status {
                200 => assert!(body["value"].is_string(), "{body}"),
                503 => refused = Some(body),
                _ => panic!("{status} {body}"),
            }
        }
        if refused.is_some() {
            break;
        }
    }
    let refused = refused.expect("16 simultaneous calls to one worker without a queue overlap at least once");
    assert_eq!(refused["error"]["code"], "queue_full");
    assert!(
        refused["error"]["message"].as_str().unwrap().contains("retry"),
        "{refused}"
    );
}

#[test]
fn sigterm_lets_the_calls_in_flight_finish() {
    let project = TinyProject::new(&[]);
    let served = Served::start(&project, &[]);
    let address = served.address.clone();
    let clients = 4;
    let started = Arc::new(Barrier::new(clients + 1));
    let threads: Vec<_> = (0..clients)
        .map(|i| {
            let (address, started) = (address.clone(), started.clone());
            std::thread::spawn(move || {
                let body = json!({"args": [format!("ticket {i}"), i]}).to_string();
                let mut answers = Vec::new();
                let call = || request(&address, "POST", "/v1/functions/urgency", body.as_bytes());
                // Three answers before the signal, then calls until the server no longer takes them.
                for _ in 0..3 {
                    answers.push(call());
                }
                started.wait();
                while let Some(answer) = call() {
                    answers.push(Some(answer));
                }
                answers
            })
        })
        .collect();
    started.wait();
    let (code, log) = served.stop();
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains("Stopped"), "{log}");
    for thread in threads {
        for answer in thread.join().unwrap() {
            let (status, body) = answer.expect("an answer");
            assert_eq!(status, 200, "a call the server took is answered: {body}");
            let body: Value = serde_json::from_str(&body).unwrap();
            assert!(body["value"].is_string(), "{body}");
        }
    }
}
