# Exec and port-forward through the Python client's stream API; prints one result per line for the C# test.
import sys
from kubernetes import client, config
from kubernetes.stream import stream, portforward

config.load_kube_config(sys.argv[1])
api = client.CoreV1Api()
out = stream(api.connect_get_namespaced_pod_exec, "web", "default", command=["sh", "-c", "echo out; echo err >&2"],
             stderr=True, stdin=False, stdout=True, tty=False)
print("exec:" + " ".join(sorted(out.split())))  # stdout and stderr are separate channels: no order between them
resp = stream(api.connect_get_namespaced_pod_exec, "web", "default", command=["sh", "-c", "head -n1; exit 4"],
              stderr=True, stdin=True, stdout=True, tty=False, _preload_content=False)
resp.write_stdin("from python\n")
resp.run_forever(timeout=30)
print("stdin:" + repr(resp.read_stdout()) + " rc=" + str(resp.returncode))
pf = portforward(api.connect_get_namespaced_pod_portforward, "web", "default", ports=sys.argv[2] + "," + sys.argv[3])
s = pf.socket(int(sys.argv[2]))
s.setblocking(True)
s.sendall(b"GET /index.html HTTP/1.0\r\nHost: pod\r\n\r\n")
data = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
lines = data.decode().splitlines()
print("http:" + lines[0] + " " + lines[-1])
s.close()
print("refused:" + str(pf.error(int(sys.argv[3]))))
