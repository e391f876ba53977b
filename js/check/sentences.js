// Every word the broker check says, in English and Simplified Chinese: the row titles, what a
// passing row found, and one plain sentence per failure saying what to change. One table for the
// command line (bin/check/) and the demo console's "Check this broker" button, so the two never
// word a problem differently. Placeholders are {name}; a key missing in zh-cn falls back to en
// (tests/check/sentences.test.mjs checks that none is missing).

/** The rows of the battery, in the order they run and are shown. */
export const ROW_IDS = [
  'websocket',
  'subprotocol',
  'tls',
  'mqtt31',
  'mqtt311',
  'mqtt5',
  'credentials',
  'qos0',
  'qos1',
  'qos2',
  'retained',
  'will',
  'properties5',
  'maxPacket',
  'latency',
  'reconnect',
];

/** Rows `--skip` may leave out: every row but the two every other row needs. */
export const SKIPPABLE_ROW_IDS = ROW_IDS.filter((id) => id !== 'websocket' && id !== 'subprotocol');

export const LANGUAGES = ['en', 'zh-cn'];

export const SENTENCES = {
  en: {
    'title.websocket': 'WebSocket opens',
    'title.subprotocol': 'Subprotocol "mqtt"',
    'title.tls': 'TLS certificate',
    'title.mqtt31': 'MQTT 3.1 CONNACK',
    'title.mqtt311': 'MQTT 3.1.1 CONNACK',
    'title.mqtt5': 'MQTT 5.0 CONNACK',
    'title.credentials': 'User name and password',
    'title.qos0': 'Round trip at QoS 0',
    'title.qos1': 'Round trip at QoS 1',
    'title.qos2': 'Round trip at QoS 2',
    'title.retained': 'Retained message kept, cleared',
    'title.will': 'Will after an abrupt close',
    'title.properties5': 'MQTT 5 properties echoed',
    'title.maxPacket': 'Largest message accepted',
    'title.latency': 'Round-trip latency',
    'title.reconnect': 'Reconnect after a dropped link',

    'head.check': 'Checking {url} from {browser}',
    'head.user': 'user {user}',
    'head.anonymous': 'no user name',
    'summary': '{passed} passed, {failed} failed, {skipped} not run · {seconds} s',
    'summary.ok': 'Everything passed: this broker works from a browser.',
    'summary.bad': 'Something to fix: see the sentences under each ✘.',
    'source.node': '(found by a check from Node, outside the browser)',
    'mark.skip': 'not run',

    // What a passing row found.
    'ok.websocket': 'opened in {ms} ms',
    'ok.websocket.http': 'opened in {ms} ms (HTTP {status})',
    'ok.subprotocol': 'accepted',
    'ok.tls.browser': 'the browser accepted the certificate',
    'ok.tls': 'valid for {host} until {date}, issued by {issuer}',
    'ok.connack': 'accepted in {ms} ms',
    'ok.credentials.user': 'user {user} accepted',
    'ok.credentials.anonymous': 'no user name given; the broker lets anyone in',
    'ok.qos': 'message came back at QoS {qos} in {ms} ms',
    'ok.retained': 'kept for a new subscriber, gone once cleared',
    'ok.will': 'delivered {ms} ms after the link was cut',
    'ok.properties5': 'user properties, content type, response topic and correlation data came back',
    'ok.maxPacket': '{size} accepted (the largest tried)',
    'ok.maxPacket.limited': '{size} accepted; {refused} was not',
    'ok.maxPacket.announced': '{size} accepted; the broker announces at most {announced}',
    'ok.maxPacket.slow': '{size} accepted; larger not tried ({size} took {ms} ms to come back)',
    'ok.latency': 'p50 {p50} ms, p99 {p99} ms over {n} messages',
    'ok.reconnect': 'back in {ms} ms, subscription kept',

    // Why a row did not run.
    'skip.notWss': 'ws:// has no TLS; a https page (the hosted demo, CodeLab) needs wss://',
    'skip.tls.page': 'a page cannot see why TLS fails; `npx scratch-mqtt check` can',
    'skip.needsWebSocket': 'needs a WebSocket that opens',
    'skip.needsConnection': 'needs an MQTT connection',
    'skip.needsMqtt5': 'needs MQTT 5.0',
    'skip.notAsked': 'skipped as asked',
    'skip.credentials': 'not tried: the broker refused the user name or password',
    'skip.stopped': 'stopped: the check ran out of time',

    // Failures: what happened, then what to change.
    'fail.ws.refused':
      'nothing is listening on {host}:{port}: is the broker running, and is {port} its WebSocket port? (CodeLab-style brokers: wss on 8084, ws on 8083)',
    'fail.ws.dns': 'the host name {host} was not found: check its spelling',
    'fail.ws.timeout': '{host}:{port} did not answer within {seconds} s: a firewall may block that port',
    'fail.ws.http404':
      'the broker answered HTTP 404 on {path}: CodeLab-style brokers listen on /mqtt — try {suggestion}',
    'fail.ws.http': 'the server answered HTTP {status} on {path} instead of opening a WebSocket: check the path (often /mqtt) and the port',
    'fail.ws.tls': 'the browser refused the TLS connection: see the TLS certificate row',
    'fail.ws.silent': '{host}:{port} accepted the connection but gave no HTTP answer within {seconds} s: is {port} a WebSocket port?',
    'fail.ws.reset': 'the connection was closed before any HTTP answer: is {port} a WebSocket port, or a plain MQTT (TCP) port such as 1883?',
    'fail.ws.mixed':
      'this page is https, so the browser only allows wss:// brokers: use the broker\'s wss:// address (CodeLab: wss://mqtt.longan.link:8084/mqtt)',
    'fail.ws.badUrl': '{url} is not a WebSocket URL: write it as ws://host:port/path or wss://host:port/path',
    'fail.ws.browser':
      'the browser could not open a WebSocket to {url} and does not say why: check the host, the port, the path (often /mqtt) and, for wss://, the certificate; `npx scratch-mqtt check` names the cause',
    'fail.subprotocol':
      'the broker opens WebSockets but does not answer the "mqtt" subprotocol, so browsers close the connection: enable MQTT over WebSocket with subprotocol "mqtt" on the broker',
    'fail.tls.selfSigned':
      'the certificate of {host} is self-signed, and browsers refuse it without asking: use a certificate from a public CA (e.g. Let\'s Encrypt) for {host}',
    'fail.tls.untrusted':
      'the certificate of {host} comes from an authority browsers do not trust ({code}): use a certificate from a public CA (e.g. Let\'s Encrypt)',
    'fail.tls.chain':
      'the broker does not send the intermediate certificates: configure the full chain (fullchain.pem, not cert.pem)',
    'fail.tls.expired': 'the certificate of {host} expired on {date}: renew it (e.g. certbot renew) and restart the broker',
    'fail.tls.notYetValid': 'the certificate of {host} is not valid before {date}: check the server\'s clock',
    'fail.tls.wrongHost': 'the certificate is for {names}, not for {host}: connect with a name it lists, or get a certificate for {host}',
    'fail.tls.plain': '{host}:{port} does not speak TLS: use ws:// for this port, or the broker\'s wss:// port',
    'fail.tls.other': 'the TLS handshake with {host}:{port} failed ({code}): {message}',
    'fail.connack.version':
      'the broker does not speak MQTT {version} ({code}); Scratch projects need 3.1.1, MQTT 5 features need a broker such as mosquitto 2 or EMQX',
    'fail.connack.timeout': 'no CONNACK within {seconds} s: the server opened the WebSocket but did not answer MQTT {version} — is it an MQTT broker?',
    'fail.connack.closed': 'the broker closed the connection instead of answering MQTT {version} ({code}): it may not speak this version',
    'fail.connack.other': 'MQTT {version} failed: {code} {message}',
    'fail.credentials.user':
      'the broker refused user {user} with this password ({code}): check the user name and password (CodeLab: guest / test)',
    'fail.credentials.anonymous':
      'the broker wants a user name and password ({code}): give them (CodeLab: guest / test)',
    'fail.qos.lost': 'a QoS {qos} message on {topic} did not come back within {seconds} s: the broker may not allow this topic (check its ACL)',
    'fail.qos.downgraded': 'the broker granted QoS {granted} for a QoS {qos} subscription: messages are delivered at most at QoS {granted}',
    'fail.qos.refused': 'the broker refused the subscription to {topic} ({code}): check its ACL for this topic',
    'fail.qos.error': 'the QoS {qos} round trip failed: {code} {message}',
    'fail.retained.lost': 'a new subscriber did not get the retained message within {seconds} s: the broker does not keep retained messages',
    'fail.retained.notCleared': 'the retained message was still delivered after it was cleared with an empty message',
    'fail.retained.error': 'the retained-message check failed: {code} {message}',
    'fail.will.lost': 'the will was not delivered within {seconds} s of cutting the link: the broker ignores wills or does not notice dropped WebSockets',
    'fail.will.error': 'the will check failed: {code} {message}',
    'fail.properties5.lost': 'the broker dropped these MQTT 5 properties: {names}',
    'fail.properties5.error': 'the MQTT 5 properties check failed: {code} {message}',
    'fail.maxPacket': 'even a {size} message did not come back ({code}): the broker or a proxy in front of it limits messages severely',
    'fail.latency.lost': '{lost} of {n} QoS 0 messages did not come back within {seconds} s each',
    'fail.latency.error': 'the latency run failed: {code} {message}',
    'fail.reconnect.never': 'the client did not get back within {seconds} s after its link was cut: {code}',
    'fail.reconnect.lost': 'the client reconnected but its subscription did not deliver: the broker lost the session',
    'fail.reconnect.error': 'the reconnect check failed: {code} {message}',
    'fail.internal': 'the check itself failed: {message}',
  },

  'zh-cn': {
    'title.websocket': 'WebSocket 连接',
    'title.subprotocol': '子协议 "mqtt"',
    'title.tls': 'TLS 证书',
    'title.mqtt31': 'MQTT 3.1 连接应答',
    'title.mqtt311': 'MQTT 3.1.1 连接应答',
    'title.mqtt5': 'MQTT 5.0 连接应答',
    'title.credentials': '用户名和密码',
    'title.qos0': 'QoS 0 收发',
    'title.qos1': 'QoS 1 收发',
    'title.qos2': 'QoS 2 收发',
    'title.retained': '保留消息的保存与清除',
    'title.will': '异常断开后的遗嘱消息',
    'title.properties5': 'MQTT 5 属性回传',
    'title.maxPacket': '可接受的最大消息',
    'title.latency': '往返延迟',
    'title.reconnect': '断线后重连',

    'head.check': '从 {browser} 检查 {url}',
    'head.user': '用户 {user}',
    'head.anonymous': '未提供用户名',
    'summary': '通过 {passed} 项，失败 {failed} 项，未运行 {skipped} 项 · {seconds} 秒',
    'summary.ok': '全部通过：这个服务器可以在浏览器中使用。',
    'summary.bad': '有需要修改的地方：请看每个 ✘ 下面的说明。',
    'source.node': '（由浏览器之外的 Node 检查得出）',
    'mark.skip': '未运行',

    'ok.websocket': '{ms} 毫秒内打开',
    'ok.websocket.http': '{ms} 毫秒内打开（HTTP {status}）',
    'ok.subprotocol': '已接受',
    'ok.tls.browser': '浏览器接受了证书',
    'ok.tls': '适用于 {host}，有效期至 {date}，颁发者 {issuer}',
    'ok.connack': '{ms} 毫秒内接受',
    'ok.credentials.user': '用户 {user} 已被接受',
    'ok.credentials.anonymous': '未提供用户名；服务器允许任何人连接',
    'ok.qos': '消息以 QoS {qos} 在 {ms} 毫秒内返回',
    'ok.retained': '新订阅者能收到，清除后不再收到',
    'ok.will': '断开连接 {ms} 毫秒后送达',
    'ok.properties5': '用户属性、内容类型、响应主题和关联数据都已返回',
    'ok.maxPacket': '{size} 被接受（已尝试的最大值）',
    'ok.maxPacket.limited': '{size} 被接受；{refused} 未被接受',
    'ok.maxPacket.announced': '{size} 被接受；服务器声明最多 {announced}',
    'ok.maxPacket.slow': '{size} 被接受；没有再试更大的（{size} 用了 {ms} 毫秒才返回）',
    'ok.latency': 'p50 {p50} 毫秒，p99 {p99} 毫秒（共 {n} 条消息）',
    'ok.reconnect': '{ms} 毫秒后重新连上，订阅仍然有效',

    'skip.notWss': 'ws:// 没有 TLS 加密；https 页面（在线演示、CodeLab）需要 wss://',
    'skip.tls.page': '网页无法看到 TLS 失败的原因；`npx scratch-mqtt check` 可以',
    'skip.needsWebSocket': '需要能打开的 WebSocket',
    'skip.needsConnection': '需要 MQTT 连接',
    'skip.needsMqtt5': '需要 MQTT 5.0',
    'skip.notAsked': '按要求跳过',
    'skip.credentials': '未尝试：服务器拒绝了用户名或密码',
    'skip.stopped': '已停止：检查超时',

    'fail.ws.refused':
      '{host}:{port} 上没有服务在监听：服务器是否已启动？{port} 是否是它的 WebSocket 端口？（CodeLab 类服务器：wss 用 8084，ws 用 8083）',
    'fail.ws.dns': '找不到主机名 {host}：请检查拼写',
    'fail.ws.timeout': '{host}:{port} 在 {seconds} 秒内没有应答：可能有防火墙挡住了这个端口',
    'fail.ws.http404': '服务器在 {path} 上返回 HTTP 404：CodeLab 类服务器在 /mqtt 上监听——请试试 {suggestion}',
    'fail.ws.http': '服务器在 {path} 上返回 HTTP {status}，而没有打开 WebSocket：请检查路径（通常是 /mqtt）和端口',
    'fail.ws.tls': '浏览器拒绝了 TLS 连接：请看“TLS 证书”一行',
    'fail.ws.silent': '{host}:{port} 接受了连接，但 {seconds} 秒内没有 HTTP 应答：{port} 是 WebSocket 端口吗？',
    'fail.ws.reset': '连接在任何 HTTP 应答之前就被关闭：{port} 是 WebSocket 端口吗？还是像 1883 那样的普通 MQTT（TCP）端口？',
    'fail.ws.mixed': '这个页面是 https 的，浏览器只允许连接 wss:// 服务器：请使用服务器的 wss:// 地址（CodeLab：wss://mqtt.longan.link:8084/mqtt）',
    'fail.ws.badUrl': '{url} 不是 WebSocket 地址：请写成 ws://主机:端口/路径 或 wss://主机:端口/路径',
    'fail.ws.browser':
      '浏览器无法打开到 {url} 的 WebSocket，也不说明原因：请检查主机、端口、路径（通常是 /mqtt），wss:// 还要检查证书；`npx scratch-mqtt check` 能指出原因',
    'fail.subprotocol': '服务器能打开 WebSocket，但不应答 "mqtt" 子协议，所以浏览器会关闭连接：请在服务器上启用子协议为 "mqtt" 的 MQTT over WebSocket',
    'fail.tls.selfSigned': '{host} 的证书是自签名的，浏览器会直接拒绝：请为 {host} 使用公共证书机构（如 Let\'s Encrypt）签发的证书',
    'fail.tls.untrusted': '{host} 的证书来自浏览器不信任的机构（{code}）：请使用公共证书机构（如 Let\'s Encrypt）签发的证书',
    'fail.tls.chain': '服务器没有发送中间证书：请配置完整的证书链（fullchain.pem，而不是 cert.pem）',
    'fail.tls.expired': '{host} 的证书已于 {date} 过期：请续期（如 certbot renew）并重启服务器',
    'fail.tls.notYetValid': '{host} 的证书在 {date} 之前无效：请检查服务器的时钟',
    'fail.tls.wrongHost': '证书是给 {names} 的，不是给 {host} 的：请用证书上列出的名字连接，或为 {host} 申请证书',
    'fail.tls.plain': '{host}:{port} 不使用 TLS：这个端口请用 ws://，或者使用服务器的 wss:// 端口',
    'fail.tls.other': '与 {host}:{port} 的 TLS 握手失败（{code}）：{message}',
    'fail.connack.version':
      '服务器不支持 MQTT {version}（{code}）；Scratch 作品需要 3.1.1，MQTT 5 功能需要 mosquitto 2 或 EMQX 等服务器',
    'fail.connack.timeout': '{seconds} 秒内没有收到连接应答：服务器打开了 WebSocket，但没有应答 MQTT {version}——它是 MQTT 服务器吗？',
    'fail.connack.closed': '服务器没有应答 MQTT {version}，而是关闭了连接（{code}）：它可能不支持这个版本',
    'fail.connack.other': 'MQTT {version} 连接失败：{code} {message}',
    'fail.credentials.user': '服务器拒绝了用户 {user} 和这个密码（{code}）：请检查用户名和密码（CodeLab：guest / test）',
    'fail.credentials.anonymous': '服务器需要用户名和密码（{code}）：请填写（CodeLab：guest / test）',
    'fail.qos.lost': '{topic} 上的 QoS {qos} 消息在 {seconds} 秒内没有返回：服务器可能不允许这个主题（请检查 ACL）',
    'fail.qos.downgraded': '订阅 QoS {qos} 时服务器只给了 QoS {granted}：消息最多以 QoS {granted} 送达',
    'fail.qos.refused': '服务器拒绝了对 {topic} 的订阅（{code}）：请检查这个主题的 ACL',
    'fail.qos.error': 'QoS {qos} 收发失败：{code} {message}',
    'fail.retained.lost': '新订阅者在 {seconds} 秒内没有收到保留消息：服务器不保存保留消息',
    'fail.retained.notCleared': '用空消息清除之后，保留消息仍然被送达',
    'fail.retained.error': '保留消息检查失败：{code} {message}',
    'fail.will.lost': '断开连接后 {seconds} 秒内没有收到遗嘱消息：服务器忽略遗嘱，或者没有发现 WebSocket 已断开',
    'fail.will.error': '遗嘱检查失败：{code} {message}',
    'fail.properties5.lost': '服务器丢掉了这些 MQTT 5 属性：{names}',
    'fail.properties5.error': 'MQTT 5 属性检查失败：{code} {message}',
    'fail.maxPacket': '连 {size} 的消息都没有返回（{code}）：服务器或它前面的代理严格限制了消息大小',
    'fail.latency.lost': '{n} 条 QoS 0 消息中有 {lost} 条没有在 {seconds} 秒内返回',
    'fail.latency.error': '延迟测试失败：{code} {message}',
    'fail.reconnect.never': '连接被切断后，客户端在 {seconds} 秒内没有重新连上：{code}',
    'fail.reconnect.lost': '客户端重新连上了，但订阅没有收到消息：服务器丢失了会话',
    'fail.reconnect.error': '重连检查失败：{code} {message}',
    'fail.internal': '检查本身出错：{message}',
  },
};

/** 'zh-cn' for any Chinese locale name (zh, zh_CN.UTF-8, zh-Hans…), otherwise 'en'. */
export function pickLanguage(wanted) {
  return /^zh\b|^zh[-_]/i.test(String(wanted ?? '')) ? 'zh-cn' : 'en';
}

/** The sentence `key` in `lang` with its {placeholders} filled from `params`. */
export function say(lang, key, params = {}) {
  const table = SENTENCES[lang] ?? SENTENCES.en;
  const text = table[key] ?? SENTENCES.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (params[name] === undefined ? whole : String(params[name])));
}

/** What a row says: its finding when it passed, otherwise its sentence. */
export function rowText(lang, row) {
  const words = row.status === 'pass' ? row.detail : row.sentence;
  return words ? say(lang, words.key, words.params) : '';
}

/** 1536 → '1.5 KiB' (sizes are probed in powers of two). */
export function formatSize(bytes) {
  if (bytes >= 1024 * 1024) return `${+(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}
