#!/usr/bin/env python3
"""An MQTT peer built on Eclipse Paho (paho-mqtt 2.x), driven by the browser tests.

It prints one JSON object per line on stdout, so the Node side can follow along:
  {"event": "connected", "reason": 0}
  {"event": "subscribed", "granted": [1]}
  {"event": "message", "topic": "...", "payload_hex": "...", "qos": 1, "retain": false}
  {"event": "published", "mid": 1}
  {"event": "done"}
Errors go to stderr and the exit status is non-zero.

  paho_peer.py sub --host 127.0.0.1 --port 1883 --topic 'a/#' --count 3 [--qos 1] [--transport websockets]
  paho_peer.py pub --host 127.0.0.1 --port 1883 --topic a/b --payload-hex 00ff [--qos 1] [--retain]
"""

import argparse
import json
import sys
import threading

try:
    import paho.mqtt.client as mqtt
except ImportError:
    sys.stderr.write("paho-mqtt is not installed for this Python: pip install paho-mqtt\n")
    sys.exit(3)

if not hasattr(mqtt, "CallbackAPIVersion"):
    sys.stderr.write("paho-mqtt 2.x is needed (found an older one): pip install -U paho-mqtt\n")
    sys.exit(3)


def emit(**fields):
    sys.stdout.write(json.dumps(fields, ensure_ascii=True) + "\n")
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["sub", "pub"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--transport", choices=["tcp", "websockets"], default="tcp")
    parser.add_argument("--ws-path", default="/")
    parser.add_argument("--topic", action="append", required=True)
    parser.add_argument("--qos", type=int, default=0)
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--payload-hex", default="")
    parser.add_argument("--retain", action="store_true")
    parser.add_argument("--username")
    parser.add_argument("--password")
    parser.add_argument("--client-id", default="")
    parser.add_argument("--protocol", choices=["3", "4", "5"], default="4")
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()

    protocol = {"3": mqtt.MQTTv31, "4": mqtt.MQTTv311, "5": mqtt.MQTTv5}[args.protocol]
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=args.client_id,
        protocol=protocol,
        transport=args.transport,
    )
    if args.transport == "websockets":
        client.ws_set_options(path=args.ws_path)
    if args.username is not None:
        client.username_pw_set(args.username, args.password)

    finished = threading.Event()
    failure = []
    received = [0]

    def fail(message):
        failure.append(message)
        finished.set()

    def on_connect(client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            fail(f"connection refused: {reason_code}")
            return
        emit(event="connected", reason=reason_code.value)
        if args.mode == "sub":
            client.subscribe([(t, args.qos) for t in args.topic])
        else:
            payload = bytes.fromhex(args.payload_hex)
            for topic in args.topic:
                client.publish(topic, payload, qos=args.qos, retain=args.retain)

    def on_subscribe(client, userdata, mid, reason_codes, properties):
        emit(event="subscribed", granted=[rc.value for rc in reason_codes])

    def on_message(client, userdata, message):
        emit(
            event="message",
            topic=message.topic,
            payload_hex=message.payload.hex(),
            qos=message.qos,
            retain=bool(message.retain),
        )
        received[0] += 1
        if received[0] >= args.count:
            finished.set()

    published = [0]

    def on_publish(client, userdata, mid, reason_code, properties):
        emit(event="published", mid=mid)
        published[0] += 1
        if published[0] >= len(args.topic):
            finished.set()

    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.on_message = on_message
    client.on_publish = on_publish

    try:
        client.connect(args.host, args.port, keepalive=30)
    except OSError as err:
        sys.stderr.write(f"cannot connect to {args.host}:{args.port}: {err}\n")
        return 2
    client.loop_start()
    done_in_time = finished.wait(args.timeout)
    client.disconnect()
    client.loop_stop()
    if failure:
        sys.stderr.write(failure[0] + "\n")
        return 1
    if not done_in_time:
        sys.stderr.write(f"timed out after {args.timeout} s ({received[0]} of {args.count} messages)\n")
        return 1
    emit(event="done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
