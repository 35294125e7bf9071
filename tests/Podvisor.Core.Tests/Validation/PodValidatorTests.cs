using Podvisor.Core.Validation;
using static Podvisor.Core.Tests.Validation.TestPods;

namespace Podvisor.Core.Tests.Validation;

/// <summary>Table-driven create validation: each case is a pod manifest and the exact errors kube-apiserver prints.</summary>
public class PodValidatorTests
{
    private const string Dns1123Label =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

    private const string Dns1123Subdomain =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    private static string Pod(string spec, string meta = "{name: p, namespace: default}") =>
        $"apiVersion: v1\nkind: Pod\nmetadata: {meta}\nspec:\n{spec}";

    private const string App = "  containers:\n  - {name: app, image: busybox, command: [sleep, '1']}\n";

    public static TheoryData<string, string, string[]> Cases => new()
    {
        { "valid minimal pod", Pod(App), [] },
        { "missing name", Pod(App, "{namespace: default}"), ["metadata.name: Required value: name or generateName is required"] },
        { "generateName only", Pod(App, "{generateName: web-, namespace: default}"), ["metadata.name: Required value: name or generateName is required"] },
        { "bad generateName", Pod(App, "{name: p, generateName: Web-, namespace: default}"), [$"metadata.generateName: Invalid value: \"Web-\": {Dns1123Subdomain}"] },
        { "uppercase name", Pod(App, "{name: Web, namespace: default}"), [$"metadata.name: Invalid value: \"Web\": {Dns1123Subdomain}"] },
        { "dotted name is fine", Pod(App, "{name: web.v1, namespace: default}"), [] },
        { "underscore name", Pod(App, "{name: my_pod, namespace: default}"), [$"metadata.name: Invalid value: \"my_pod\": {Dns1123Subdomain}"] },
        { "long name", Pod(App, $"{{name: {new string('a', 254)}, namespace: default}}"), [$"metadata.name: Invalid value: \"{new string('a', 254)}\": must be no more than 253 characters"] },
        { "dotted namespace", Pod(App, "{name: p, namespace: a.b}"), ["metadata.namespace: Invalid value: \"a.b\": must not contain dots"] },
        { "uppercase namespace", Pod(App, "{name: p, namespace: Prod}"), [$"metadata.namespace: Invalid value: \"Prod\": {Dns1123Label}"] },
        { "bad label key", Pod(App, "{name: p, namespace: default, labels: {'-x': y}}"), ["metadata.labels: Invalid value: \"-x\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"] },
        { "bad label value", Pod(App, "{name: p, namespace: default, labels: {app: 'a b'}}"), ["metadata.labels: Invalid value: \"a b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"] },
        { "prefixed label ok", Pod(App, "{name: p, namespace: default, labels: {example.com/app: web, empty: ''}}"), [] },
        { "empty label prefix", Pod(App, "{name: p, namespace: default, labels: {/app: web}}"), ["metadata.labels: Invalid value: \"/app\": prefix part must be non-empty"] },
        { "bad annotation key", Pod(App, "{name: p, namespace: default, annotations: {'a/b/c': x}}"), ["metadata.annotations: Invalid value: \"a/b/c\": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"] },
        { "no containers", Pod("  containers: []\n"), ["spec.containers: Required value"] },
        { "container name missing", Pod("  containers:\n  - {image: busybox, command: [x]}\n"), ["spec.containers[0].name: Required value"] },
        { "container name uppercase", Pod("  containers:\n  - {name: App, image: busybox, command: [x]}\n"), [$"spec.containers[0].name: Invalid value: \"App\": {Dns1123Label}"] },
        { "container name dotted", Pod("  containers:\n  - {name: a.b, image: busybox, command: [x]}\n"), ["spec.containers[0].name: Invalid value: \"a.b\": must not contain dots"] },
        { "container name too long", Pod($"  containers:\n  - {{name: {new string('a', 64)}, image: busybox, command: [x]}}\n"), [$"spec.containers[0].name: Invalid value: \"{new string('a', 64)}\": must be no more than 63 characters"] },
        { "duplicate regular names", Pod("  containers:\n  - {name: x, image: i, command: [c]}\n  - {name: x, image: i, command: [c]}\n"), ["spec.containers[1].name: Duplicate value: \"x\""] },
        { "init name clashes with regular", Pod("  initContainers:\n  - {name: x, image: i, command: [c]}\n  containers:\n  - {name: x, image: i, command: [c]}\n"), ["spec.initContainers[0].name: Duplicate value: \"x\""] },
        { "duplicate init names", Pod("  initContainers:\n  - {name: i, image: i, command: [c]}\n  - {name: i, image: i, command: [c]}\n" + App), ["spec.initContainers[1].name: Duplicate value: \"i\""] },
        { "image missing", Pod("  containers:\n  - {name: app, command: [x]}\n"), ["spec.containers[0].image: Required value"] },
        { "image whitespace", Pod("  containers:\n  - {name: app, image: ' busybox', command: [x]}\n"), ["spec.containers[0].image: Invalid value: \" busybox\": must not have leading or trailing whitespace"] },
        { "init image missing", Pod("  initContainers:\n  - {name: init, command: [x]}\n" + App), ["spec.initContainers[0].image: Required value"] },
        { "bad termination message policy", Pod("  containers:\n  - {name: app, image: i, command: [x], terminationMessagePolicy: Logs}\n"), ["spec.containers[0].terminationMessagePolicy: Unsupported value: \"Logs\": supported values: \"File\", \"FallbackToLogsOnError\""] },
        { "bad pull policy", Pod("  containers:\n  - {name: app, image: i, command: [x], imagePullPolicy: Sometimes}\n"), ["spec.containers[0].imagePullPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"IfNotPresent\", \"Never\""] },
        { "bad dns policy", Pod(App + "  dnsPolicy: Google\n"), ["spec.dnsPolicy: Unsupported value: \"Google\": supported values: \"ClusterFirstWithHostNet\", \"ClusterFirst\", \"Default\", \"None\""] },
        { "bad preemption policy", Pod(App + "  preemptionPolicy: Always\n"), ["spec.preemptionPolicy: Unsupported value: \"Always\": supported values: \"PreemptLowerPriority\", \"PreemptNever\""] },
        { "activeDeadlineSeconds zero", Pod(App + "  activeDeadlineSeconds: 0\n"), ["spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive"] },
        { "activeDeadlineSeconds negative", Pod(App + "  activeDeadlineSeconds: -5\n"), ["spec.activeDeadlineSeconds: Invalid value: -5: must be between 1 and 2147483647, inclusive"] },
        { "activeDeadlineSeconds too big", Pod(App + "  activeDeadlineSeconds: 2147483648\n"), ["spec.activeDeadlineSeconds: Invalid value: 2147483648: must be between 1 and 2147483647, inclusive"] },
        { "activeDeadlineSeconds ok", Pod(App + "  activeDeadlineSeconds: 60\n"), [] },
        { "negative grace is accepted as upstream", Pod(App + "  terminationGracePeriodSeconds: -1\n"), [] },
        { "bad hostname", Pod(App + "  hostname: My_Host\n"), [$"spec.hostname: Invalid value: \"My_Host\": {Dns1123Label}"] },
        { "valid hostAliases", Pod(App + "  hostAliases: [{ip: 10.1.2.3, hostnames: [db.local]}, {ip: '010.0.0.1'}, {ip: '2001:db8::1', hostnames: [v6]}]\n"), [] },
        {
            "bad hostAliases", Pod(App + "  hostAliases: [{ip: 10.1.2, hostnames: [ok, Bad_Name]}, {ip: 'fe80::1%eth0'}]\n"),
            [
                "spec.hostAliases[0].ip: Invalid value: \"10.1.2\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
                $"spec.hostAliases[0].hostnames[1]: Invalid value: \"Bad_Name\": {Dns1123Subdomain}",
                "spec.hostAliases[1].ip: Invalid value: \"fe80::1%eth0\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
            ]
        },
        { "bad nodeName", Pod(App + "  nodeName: Node_1\n"), [$"spec.nodeName: Invalid value: \"Node_1\": {Dns1123Subdomain}"] },
        { "bad serviceAccountName", Pod(App + "  serviceAccountName: SA\n"), [$"spec.serviceAccountName: Invalid value: \"SA\": {Dns1123Subdomain}"] },
        { "bad nodeSelector", Pod(App + "  nodeSelector: {disk: 'fast ssd'}\n"), ["spec.nodeSelector: Invalid value: \"fast ssd\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"] },
        { "volume ok", Pod("  volumes:\n  - {name: data, emptyDir: {}}\n  - {name: host, hostPath: {path: /tmp, type: Directory}}\n  containers:\n  - {name: app, image: i, command: [x], volumeMounts: [{name: data, mountPath: /d}, {name: host, mountPath: /h, subPath: sub}]}\n"), [] },
        { "volume name missing", Pod("  volumes:\n  - {emptyDir: {}}\n" + App), ["spec.volumes[0].name: Required value"] },
        { "volume name uppercase", Pod("  volumes:\n  - {name: Data, emptyDir: {}}\n" + App), [$"spec.volumes[0].name: Invalid value: \"Data\": {Dns1123Label}"] },
        { "duplicate volume", Pod("  volumes:\n  - {name: d, emptyDir: {}}\n  - {name: d, emptyDir: {}}\n" + App), ["spec.volumes[1].name: Duplicate value: \"d\""] },
        { "projected duplicate paths", Pod("  volumes:\n  - name: p\n    projected:\n      sources:\n      - configMap: {name: a, items: [{key: k, path: same}]}\n      - secret: {name: s, items: [{key: k, path: same}]}\n      - downwardAPI: {items: [{path: same, fieldRef: {apiVersion: v1, fieldPath: metadata.name}}]}\n" + App),
            ["spec.volumes[0].projected: Invalid value: \"s\": conflicting duplicate paths", "spec.volumes[0].projected: Invalid value: \"same\": conflicting duplicate paths"] },
        { "token projection ok", Pod("  volumes:\n  - name: p\n    projected:\n      sources:\n      - serviceAccountToken: {path: token, expirationSeconds: 600, audience: vault}\n" + App), [] },
        { "token projection too short", Pod("  volumes:\n  - name: p\n    projected:\n      sources:\n      - serviceAccountToken: {path: token, expirationSeconds: 599}\n" + App),
            ["spec.volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes"] },
        { "token projection too long", Pod("  volumes:\n  - name: p\n    projected:\n      sources:\n      - serviceAccountToken: {path: token, expirationSeconds: 4294967297}\n" + App),
            ["spec.volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds: Invalid value: 4294967297: may not specify a duration larger than 2^32 seconds"] },
        { "token projection paths", Pod("  volumes:\n  - name: p\n    projected:\n      sources:\n      - serviceAccountToken: {path: '', expirationSeconds: 600}\n      - serviceAccountToken: {path: /abs, expirationSeconds: 600}\n      - serviceAccountToken: {path: ..token, expirationSeconds: 600}\n      - downwardAPI: {items: [{path: t, fieldRef: {apiVersion: v1, fieldPath: metadata.name}}]}\n      - serviceAccountToken: {path: t, expirationSeconds: 600}\n" + App),
            [
                "spec.volumes[0].projected.path: Required value",
                "spec.volumes[0].projected.path: Invalid value: \"/abs\": must be a relative path",
                "spec.volumes[0].projected.path: Invalid value: \"..token\": must not start with '..'",
                "spec.volumes[0].projected: Invalid value: \"t\": conflicting duplicate paths",
            ] },
        { "configMap and secret sources", Pod("  volumes:\n  - {name: a, configMap: {defaultMode: 512, items: [{key: '', path: ''}, {key: k, path: /abs, mode: -1}, {key: k, path: ../up}]}}\n  - {name: b, secret: {items: [{key: k, path: ..x}]}}\n" + App),
            [
                "spec.volumes[0].configMap.name: Required value",
                "spec.volumes[0].configMap.defaultMode: Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive",
                "spec.volumes[0].configMap.items[0].key: Required value",
                "spec.volumes[0].configMap.items[0].path: Required value",
                "spec.volumes[0].configMap.items[1].path: Invalid value: \"/abs\": must be a relative path",
                "spec.volumes[0].configMap.items[1].mode: Invalid value: -1: must be a number between 0 and 0777 (octal), both inclusive",
                "spec.volumes[0].configMap.items[2].path: Invalid value: \"../up\": must not contain '..'",
                "spec.volumes[0].configMap.items[2].path: Invalid value: \"../up\": must not start with '..'",
                "spec.volumes[1].secret.secretName: Required value",
                "spec.volumes[1].secret.items[0].path: Invalid value: \"..x\": must not start with '..'",
            ] },
        { "downwardAPI items", Pod("  volumes:\n  - {name: d, downwardAPI: {items: [{path: a, fieldRef: {apiVersion: v1, fieldPath: spec.nodeName}}, {path: b}, {path: c, resourceFieldRef: {resource: limits.cpu}}, {path: e, fieldRef: {apiVersion: v1, fieldPath: metadata.labels}, mode: 1000}]}}\n" + App),
            [
                "spec.volumes[0].downwardAPI.items[0].fieldRef.fieldPath: Unsupported value: \"spec.nodeName\": supported values: \"metadata.annotations\", \"metadata.labels\", \"metadata.name\", \"metadata.namespace\", \"metadata.uid\"",
                "spec.volumes[0].downwardAPI.items[1]: Required value: one of fieldRef and resourceFieldRef is required",
                "spec.volumes[0].downwardAPI.items[2].resourceFieldRef.containerName: Required value",
                "spec.volumes[0].downwardAPI.items[3].mode: Invalid value: 1000: must be a number between 0 and 0777 (octal), both inclusive",
            ] },
        { "projected sources", Pod("  volumes:\n  - name: p\n    projected:\n      defaultMode: 4096\n      sources:\n      - {configMap: {name: c, items: [{key: '', path: x}]}, secret: {name: s}}\n      - secret: {items: [{key: k, path: y}]}\n" + App),
            [
                "spec.volumes[0].projected.defaultMode: Invalid value: 4096: must be a number between 0 and 0777 (octal), both inclusive",
                "spec.volumes[0].projected.sources[0].configMap.items[0].key: Required value",
                "spec.volumes[0].projected.sources[0]: Forbidden: may not specify more than 1 volume type per source",
                "spec.volumes[0].projected.sources[1].secret.name: Required value",
            ] },
        { "two volume types", Pod("  volumes:\n  - {name: d, emptyDir: {}, hostPath: {path: /x}}\n" + App), ["spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type"] },
        { "hostPath path missing", Pod("  volumes:\n  - {name: d, hostPath: {path: ''}}\n" + App), ["spec.volumes[0].hostPath.path: Required value"] },
        { "hostPath backsteps", Pod("  volumes:\n  - {name: d, hostPath: {path: /a/../b}}\n" + App), ["spec.volumes[0].hostPath.path: Invalid value: \"/a/../b\": must not contain '..'"] },
        { "hostPath bad type", Pod("  volumes:\n  - {name: d, hostPath: {path: /a, type: Dir}}\n" + App), ["spec.volumes[0].hostPath.type: Unsupported value: \"Dir\": supported values: \"\", \"BlockDevice\", \"CharDevice\", \"Directory\", \"DirectoryOrCreate\", \"File\", \"FileOrCreate\", \"Socket\""] },
        { "emptyDir negative size", Pod("  volumes:\n  - {name: d, emptyDir: {sizeLimit: -1Gi}}\n" + App), ["spec.volumes[0].emptyDir.sizeLimit: Forbidden: SizeLimit field must be a valid resource quantity"] },
        { "mount of undeclared volume", Pod("  containers:\n  - {name: app, image: i, command: [x], volumeMounts: [{name: x, mountPath: /x}]}\n"), ["spec.containers[0].volumeMounts[0].name: Not found: \"x\""] },
        { "mount of an invalid volume is not found", Pod("  volumes:\n  - {name: D, emptyDir: {}}\n  containers:\n  - {name: app, image: i, command: [x], volumeMounts: [{name: D, mountPath: /x}]}\n"), [$"spec.volumes[0].name: Invalid value: \"D\": {Dns1123Label}", "spec.containers[0].volumeMounts[0].name: Not found: \"D\""] },
        { "mountPath missing", Pod("  volumes:\n  - {name: d, emptyDir: {}}\n  containers:\n  - {name: app, image: i, command: [x], volumeMounts: [{name: d, mountPath: ''}]}\n"), ["spec.containers[0].volumeMounts[0].mountPath: Required value"] },
        { "mount name missing", Pod("  containers:\n  - {name: app, image: i, command: [x], volumeMounts: [{mountPath: /x}]}\n"), ["spec.containers[0].volumeMounts[0].name: Required value", "spec.containers[0].volumeMounts[0].name: Not found: \"\""] },
        { "duplicate mountPath", Pod("  volumes:\n  - {name: d, emptyDir: {}}\n  containers:\n  - {name: app, image: i, command: [x], volumeMounts: [{name: d, mountPath: /x}, {name: d, mountPath: /x}]}\n"), ["spec.containers[0].volumeMounts[1].mountPath: Invalid value: \"/x\": must be unique"] },
        { "absolute subPath", Pod("  volumes:\n  - {name: d, emptyDir: {}}\n  containers:\n  - {name: app, image: i, command: [x], volumeMounts: [{name: d, mountPath: /x, subPath: /abs}]}\n"), ["spec.containers[0].volumeMounts.subPath: Invalid value: \"/abs\": must be a relative path"] },
        { "subPath backsteps", Pod("  volumes:\n  - {name: d, emptyDir: {}}\n  containers:\n  - {name: app, image: i, command: [x], volumeMounts: [{name: d, mountPath: /x, subPath: ../up}]}\n"), ["spec.containers[0].volumeMounts.subPath: Invalid value: \"../up\": must not contain '..'"] },
        { "init mount of undeclared volume", Pod("  initContainers:\n  - {name: init, image: i, command: [x], volumeMounts: [{name: cache, mountPath: /c}]}\n" + App), ["spec.initContainers[0].volumeMounts[0].name: Not found: \"cache\""] },
        { "port ok", Pod("  containers:\n  - {name: app, image: i, command: [x], ports: [{name: http, containerPort: 80}, {containerPort: 53, protocol: UDP}]}\n"), [] },
        { "port zero", Pod("  containers:\n  - {name: app, image: i, command: [x], ports: [{containerPort: 0}]}\n"), ["spec.containers[0].ports[0].containerPort: Required value"] },
        { "port too big", Pod("  containers:\n  - {name: app, image: i, command: [x], ports: [{containerPort: 70000}]}\n"), ["spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"] },
        { "hostPort too big", Pod("  containers:\n  - {name: app, image: i, command: [x], ports: [{containerPort: 80, hostPort: 70000}]}\n"), ["spec.containers[0].ports[0].hostPort: Invalid value: 70000: must be between 1 and 65535, inclusive"] },
        { "bad protocol", Pod("  containers:\n  - {name: app, image: i, command: [x], ports: [{containerPort: 80, protocol: HTTP}]}\n"), ["spec.containers[0].ports[0].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\""] },
        { "bad port name", Pod("  containers:\n  - {name: app, image: i, command: [x], ports: [{name: HTTP, containerPort: 80}]}\n"), ["spec.containers[0].ports[0].name: Invalid value: \"HTTP\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)", "spec.containers[0].ports[0].name: Invalid value: \"HTTP\": must contain at least one letter (a-z)"] },
        { "long port name", Pod("  containers:\n  - {name: app, image: i, command: [x], ports: [{name: a-very-long-port-name, containerPort: 80}]}\n"), ["spec.containers[0].ports[0].name: Invalid value: \"a-very-long-port-name\": must be no more than 15 characters"] },
        { "port name hyphens", Pod("  containers:\n  - {name: app, image: i, command: [x], ports: [{name: -a--b, containerPort: 80}]}\n"), ["spec.containers[0].ports[0].name: Invalid value: \"-a--b\": must not contain consecutive hyphens", "spec.containers[0].ports[0].name: Invalid value: \"-a--b\": must not begin or end with a hyphen"] },
        { "duplicate port name", Pod("  containers:\n  - {name: app, image: i, command: [x], ports: [{name: web, containerPort: 80}, {name: web, containerPort: 81}]}\n"), ["spec.containers[0].ports[1].name: Duplicate value: \"web\""] },
        { "host port conflict", Pod("  containers:\n  - {name: a, image: i, command: [x], ports: [{containerPort: 80, hostPort: 8080}]}\n  - {name: b, image: i, command: [x], ports: [{containerPort: 81, hostPort: 8080}]}\n"), ["spec.containers[1].ports[0].hostPort: Duplicate value: \"TCP//8080\""] },
        { "env ok", Pod("  containers:\n  - {name: app, image: i, command: [x], env: [{name: A, value: b}, {name: 'my.var-1', value: c}, {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]}\n"), [] },
        { "env name missing", Pod("  containers:\n  - {name: app, image: i, command: [x], env: [{value: b}]}\n"), ["spec.containers[0].env[0].name: Required value"] },
        { "env name with equals", Pod("  containers:\n  - {name: app, image: i, command: [x], env: [{name: 'A=B', value: b}]}\n"), ["spec.containers[0].env[0].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='"] },
        { "env name non-ascii", Pod("  containers:\n  - {name: app, image: i, command: [x], env: [{name: 'é', value: b}]}\n"), ["spec.containers[0].env[0].name: Invalid value: \"é\": a valid environment variable name must consist only of printable ASCII characters other than '='"] },
        { "env digit start is relaxed-ok", Pod("  containers:\n  - {name: app, image: i, command: [x], env: [{name: '1A', value: b}]}\n"), [] },
        { "env empty valueFrom", Pod("  containers:\n  - {name: app, image: i, command: [x], env: [{name: A, valueFrom: {}}]}\n"), ["spec.containers[0].env[0].valueFrom: Invalid value: \"\": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"] },
        { "env value and valueFrom", Pod("  containers:\n  - {name: app, image: i, command: [x], env: [{name: A, value: v, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]}\n"), ["spec.containers[0].env[0].valueFrom: Invalid value: \"\": may not be specified when `value` is not empty"] },
        { "env unsupported fieldPath", Pod("  containers:\n  - {name: app, image: i, command: [x], env: [{name: A, valueFrom: {fieldRef: {fieldPath: status.phase}}}]}\n"), ["spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Unsupported value: \"status.phase\": supported values: \"metadata.name\", \"metadata.namespace\", \"metadata.uid\", \"spec.nodeName\", \"spec.serviceAccountName\", \"status.hostIP\", \"status.hostIPs\", \"status.podIP\", \"status.podIPs\""] },
        { "env unknown fieldPath", Pod("  containers:\n  - {name: app, image: i, command: [x], env: [{name: A, valueFrom: {fieldRef: {fieldPath: spec.foo}}}]}\n"), ["spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Invalid value: \"spec.foo\": error converting fieldPath: field label not supported: spec.foo"] },
        { "env label subscript ok", Pod("  containers:\n  - {name: app, image: i, command: [x], env: [{name: A, valueFrom: {fieldRef: {fieldPath: \"metadata.labels['app']\"}}}]}\n"), [] },
        { "env resource field", Pod("  containers:\n  - {name: app, image: i, command: [x], env: [{name: A, valueFrom: {resourceFieldRef: {resource: limits.gpu}}}]}\n"), ["spec.containers[0].env[0].valueFrom.resourceFieldRef.resource: Unsupported value: \"limits.gpu\": supported values: \"limits.cpu\", \"limits.ephemeral-storage\", \"limits.memory\", \"requests.cpu\", \"requests.ephemeral-storage\", \"requests.memory\""] },
        { "probe ok", Pod("  containers:\n  - {name: app, image: i, command: [x], livenessProbe: {httpGet: {port: 8080}}, readinessProbe: {tcpSocket: {port: http}}, startupProbe: {exec: {command: [true]}}}\n"), [] },
        { "probe without handler", Pod("  containers:\n  - {name: app, image: i, command: [x], livenessProbe: {periodSeconds: 5}}\n"), ["spec.containers[0].livenessProbe: Required value: must specify a handler type"] },
        { "probe with two handlers", Pod("  containers:\n  - {name: app, image: i, command: [x], readinessProbe: {exec: {command: [a]}, tcpSocket: {port: 80}}}\n"), ["spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type"] },
        { "probe exec without command", Pod("  containers:\n  - {name: app, image: i, command: [x], readinessProbe: {exec: {command: []}}}\n"), ["spec.containers[0].readinessProbe.exec.command: Required value"] },
        { "probe negative numbers", Pod("  containers:\n  - {name: app, image: i, command: [x], readinessProbe: {exec: {command: [a]}, initialDelaySeconds: -1, timeoutSeconds: -2, periodSeconds: -3, failureThreshold: -4}}\n"), ["spec.containers[0].readinessProbe.initialDelaySeconds: Invalid value: -1: must be greater than or equal to 0", "spec.containers[0].readinessProbe.timeoutSeconds: Invalid value: -2: must be greater than or equal to 0", "spec.containers[0].readinessProbe.periodSeconds: Invalid value: -3: must be greater than or equal to 0", "spec.containers[0].readinessProbe.failureThreshold: Invalid value: -4: must be greater than or equal to 0"] },
        { "liveness successThreshold", Pod("  containers:\n  - {name: app, image: i, command: [x], livenessProbe: {exec: {command: [a]}, successThreshold: 2}}\n"), ["spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1"] },
        { "startup successThreshold", Pod("  containers:\n  - {name: app, image: i, command: [x], startupProbe: {exec: {command: [a]}, successThreshold: 3}}\n"), ["spec.containers[0].startupProbe.successThreshold: Invalid value: 3: must be 1"] },
        { "readiness successThreshold may exceed 1", Pod("  containers:\n  - {name: app, image: i, command: [x], readinessProbe: {exec: {command: [a]}, successThreshold: 3}}\n"), [] },
        { "readiness grace", Pod("  containers:\n  - {name: app, image: i, command: [x], readinessProbe: {exec: {command: [a]}, terminationGracePeriodSeconds: 5}}\n"), ["spec.containers[0].readinessProbe.terminationGracePeriodSeconds: Invalid value: 5: must not be set for readinessProbes"] },
        { "liveness zero grace", Pod("  containers:\n  - {name: app, image: i, command: [x], livenessProbe: {exec: {command: [a]}, terminationGracePeriodSeconds: 0}}\n"), ["spec.containers[0].livenessProbe.terminationGracePeriodSeconds: Invalid value: 0: must be greater than 0"] },
        { "probe port out of range", Pod("  containers:\n  - {name: app, image: i, command: [x], livenessProbe: {tcpSocket: {port: 0}}}\n"), ["spec.containers[0].livenessProbe.tcpSocket.port: Invalid value: 0: must be between 1 and 65535, inclusive"] },
        { "probe bad scheme", Pod("  containers:\n  - {name: app, image: i, command: [x], livenessProbe: {httpGet: {port: 80, scheme: FTP}}}\n"), ["spec.containers[0].livenessProbe.httpGet.scheme: Unsupported value: \"FTP\": supported values: \"HTTP\", \"HTTPS\""] },
        { "probe bad header", Pod("  containers:\n  - {name: app, image: i, command: [x], livenessProbe: {httpGet: {port: 80, httpHeaders: [{name: 'X Y', value: v}]}}}\n"), ["spec.containers[0].livenessProbe.httpGet.httpHeaders: Invalid value: \"X Y\": a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')"] },
        { "grpc port", Pod("  containers:\n  - {name: app, image: i, command: [x], livenessProbe: {grpc: {port: 99999}}}\n"), ["spec.containers[0].livenessProbe.grpc.port: Invalid value: 99999: must be between 1 and 65535, inclusive"] },
        { "lifecycle without handler", Pod("  containers:\n  - {name: app, image: i, command: [x], lifecycle: {preStop: {}}}\n"), ["spec.containers[0].lifecycle.preStop: Required value: must specify a handler type"] },
        { "sleep beyond grace", Pod("  terminationGracePeriodSeconds: 10\n  containers:\n  - {name: app, image: i, command: [x], lifecycle: {preStop: {sleep: {seconds: 20}}}}\n"), ["spec.containers[0].lifecycle.preStop.sleep: Invalid value: 20: must be non-negative and less than terminationGracePeriodSeconds (10)"] },
        { "sleep zero ok", Pod("  containers:\n  - {name: app, image: i, command: [x], lifecycle: {preStop: {sleep: {seconds: 0}}}}\n"), [] },
        { "init lifecycle", Pod("  initContainers:\n  - {name: init, image: i, command: [x], lifecycle: {preStop: {exec: {command: [a]}}}}\n" + App), ["spec.initContainers[0].lifecycle: Forbidden: may not be set for init containers without restartPolicy=Always"] },
        { "init probes", Pod("  initContainers:\n  - {name: init, image: i, command: [x], livenessProbe: {exec: {command: [a]}}, readinessProbe: {exec: {command: [a]}}, startupProbe: {exec: {command: [a]}}}\n" + App), ["spec.initContainers[0].livenessProbe: Forbidden: may not be set for init containers without restartPolicy=Always", "spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always", "spec.initContainers[0].startupProbe: Forbidden: may not be set for init containers without restartPolicy=Always"] },
        { "init OnFailure probes forbidden", Pod("  initContainers:\n  - {name: init, image: i, command: [x], restartPolicy: OnFailure, readinessProbe: {exec: {command: [a]}}}\n" + App), ["spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always"] },
        { "sidecar probes allowed", Pod("  initContainers:\n  - {name: side, image: i, command: [x], restartPolicy: Always, lifecycle: {postStart: {exec: {command: [a]}}}, livenessProbe: {exec: {command: [a]}}, readinessProbe: {exec: {command: [a]}}, startupProbe: {exec: {command: [a]}}}\n" + App), [] },
        { "sidecar probes validated", Pod("  initContainers:\n  - {name: side, image: i, command: [x], restartPolicy: Always, livenessProbe: {exec: {command: [a]}, successThreshold: 2}}\n" + App), ["spec.initContainers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1"] },
        { "init host ports checked alone", Pod("  initContainers:\n  - {name: a, image: i, command: [x], ports: [{containerPort: 80, hostPort: 8080}]}\n  - {name: b, image: i, command: [x], ports: [{containerPort: 80, hostPort: 8080}]}\n" + App), [] },
        { "accumulates across the pod", Pod("  restartPolicy: Bad\n  containers:\n  - {name: A, command: [x]}\n", "{namespace: default}"), ["metadata.name: Required value: name or generateName is required", $"spec.containers[0].name: Invalid value: \"A\": {Dns1123Label}", "spec.containers[0].image: Required value", "spec.restartPolicy: Unsupported value: \"Bad\": supported values: \"Always\", \"OnFailure\", \"Never\""] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void CreateValidation(string name, string yaml, string[] expected)
    {
        _ = name;
        Assert.Equal(expected, CreateErrors(FromYaml(yaml)));
    }

    [Fact]
    public void UndefaultedPodReportsTheFieldsDefaultingFills()
    {
        var pod = k8s.KubernetesYaml.Deserialize<k8s.Models.V1Pod>(Pod(App));
        var errs = CreateErrors(pod);
        Assert.Contains("spec.terminationGracePeriodSeconds: Required value", errs);
        Assert.Contains("spec.restartPolicy: Required value", errs);
        Assert.Contains("spec.dnsPolicy: Required value", errs);
        Assert.Contains("spec.containers[0].terminationMessagePolicy: Required value", errs);
        Assert.Contains("spec.containers[0].imagePullPolicy: Required value", errs);
    }

    [Fact]
    public void ValidationNeverMutatesThePod()
    {
        var pod = FromYaml(Pod(App));
        var before = k8s.KubernetesJson.Serialize(pod);
        _ = PodValidator.ValidateCreate(pod, FeatureGates.Default);
        Assert.Equal(before, k8s.KubernetesJson.Serialize(pod));
    }

    [Fact]
    public void EphemeralContainerChecks()
    {
        var yaml = Pod(App + "  ephemeralContainers:\n  - {name: app, image: i, targetContainerName: nope, ports: [{containerPort: 80}], lifecycle: {preStop: {exec: {command: [a]}}}, volumeMounts: [{name: v, mountPath: /v, subPath: s}]}\n  volumes: [{name: v, emptyDir: {}}]\n");
        var errs = CreateErrors(FromYaml(yaml));
        Assert.Equal(
        [
            "spec.ephemeralContainers[0].name: Duplicate value: \"app\"",
            "spec.ephemeralContainers[0].targetContainerName: Not found: \"nope\"",
            "spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container",
            "spec.ephemeralContainers[0].lifecycle: Forbidden: cannot be set for an Ephemeral Container",
            "spec.ephemeralContainers[0].volumeMounts[0].subPath: Forbidden: cannot be set for an Ephemeral Container",
            "spec.ephemeralContainers: Forbidden: cannot be set on create",
        ], errs);
    }
}
