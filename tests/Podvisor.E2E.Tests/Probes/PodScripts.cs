namespace Podvisor.E2E.Tests.Probes;

/// <summary>
/// Small servers the test pods run (python3 and node are on the machine; containers find them on the default PATH).
/// Each is written to the test's record directory and started as <c>python3|node {rec}/FILE PORT {rec}</c>.
/// </summary>
internal static class PodScripts
{
    /// <summary>
    /// HTTP on 0.0.0.0:PORT: <c>/healthz</c> answers 200 while REC/healthy exists, else 500; <c>/hook/NAME</c> appends
    /// <c>hook NAME</c> to REC/order and answers 200; anything else 404.
    /// </summary>
    public const string HttpServer = """
        import http.server, os, sys
        port, rec = int(sys.argv[1]), sys.argv[2]
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == '/healthz':
                    code = 200 if os.path.exists(os.path.join(rec, 'healthy')) else 500
                elif self.path.startswith('/hook/'):
                    with open(os.path.join(rec, 'order'), 'a') as f:
                        f.write('hook ' + self.path[len('/hook/'):] + '\n')
                    code = 200
                else:
                    code = 404
                self.send_response(code)
                self.end_headers()
                self.wfile.write(b'ok\n')
            def log_message(self, *args):
                pass
        http.server.ThreadingHTTPServer(('0.0.0.0', port), Handler).serve_forever()
        """;

    /// <summary>Listens on 0.0.0.0:PORT once REC/listen exists (accepting and closing connections).</summary>
    public const string TcpListener = """
        import os, socket, sys, time
        port, rec = int(sys.argv[1]), sys.argv[2]
        while not os.path.exists(os.path.join(rec, 'listen')):
            time.sleep(0.05)
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('0.0.0.0', port))
        s.listen(16)
        while True:
            conn, _ = s.accept()
            conn.close()
        """;

    /// <summary>
    /// grpc.health.v1.Health/Check over h2c (node's built-in http2) on 0.0.0.0:PORT: SERVING (1) while REC/serving
    /// exists, else NOT_SERVING (2). The reply is one length-prefixed HealthCheckResponse {status} and grpc-status 0.
    /// </summary>
    public const string GrpcHealthServer = """
        const http2 = require('http2'), fs = require('fs'), path = require('path');
        const [port, rec] = process.argv.slice(2);
        const server = http2.createServer();
        server.on('stream', (stream) => {
          stream.on('data', () => {});
          stream.on('end', () => {
            const status = fs.existsSync(path.join(rec, 'serving')) ? 1 : 2;
            stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
            stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
            stream.end(Buffer.from([0, 0, 0, 0, 2, 0x08, status]));
          });
        });
        server.listen(Number(port), '0.0.0.0');
        """;
}
