using k8s;
using k8s.Models;

namespace Podvisor.Api.Printing;

/// <summary>The rows of <c>kubectl get configmaps</c>: printConfigMap in pkg/printers/internalversion/printers.go.</summary>
internal sealed class ConfigMapTablePrinter : ITablePrinter
{
    private static readonly TableColumn[] ConfigMapColumns =
    [
        TableColumn.NameColumn,
        new("Data", "string", "", "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.", 0),
        TableColumn.AgeColumn,
    ];

    public IReadOnlyList<TableColumn> Columns => ConfigMapColumns;

    public TableRow Print(IKubernetesObject<V1ObjectMeta> obj, DateTimeOffset now)
    {
        var cm = (V1ConfigMap)obj;
        long count = (cm.Data?.Count ?? 0) + (cm.BinaryData?.Count ?? 0);
        return new TableRow([cm.Metadata.Name ?? "", count, HumanDuration.Since(cm.Metadata.CreationTimestamp, now)], []);
    }
}

/// <summary>The rows of <c>kubectl get secrets</c>: printSecret in pkg/printers/internalversion/printers.go.</summary>
internal sealed class SecretTablePrinter : ITablePrinter
{
    private static readonly TableColumn[] SecretColumns =
    [
        TableColumn.NameColumn,
        new("Type", "string", "", "Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types", 0),
        new("Data", "string", "", "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4", 0),
        TableColumn.AgeColumn,
    ];

    public IReadOnlyList<TableColumn> Columns => SecretColumns;

    public TableRow Print(IKubernetesObject<V1ObjectMeta> obj, DateTimeOffset now)
    {
        var secret = (V1Secret)obj;
        long count = secret.Data?.Count ?? 0;
        return new TableRow([secret.Metadata.Name ?? "", secret.Type ?? "", count, HumanDuration.Since(secret.Metadata.CreationTimestamp, now)], []);
    }
}

/// <summary>The rows of <c>kubectl get serviceaccounts</c>: printServiceAccount in pkg/printers/internalversion/printers.go.</summary>
internal sealed class ServiceAccountTablePrinter : ITablePrinter
{
    private static readonly TableColumn[] ServiceAccountColumns =
    [
        TableColumn.NameColumn,
        new("Secrets", "string", "", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a \"kubernetes.io/enforce-mountable-secrets\" annotation set to \"true\". The \"kubernetes.io/enforce-mountable-secrets\" annotation is deprecated since v1.32. Prefer separate namespaces to isolate access to mounted secrets. This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. More info: https://kubernetes.io/docs/concepts/configuration/secret", 0),
        TableColumn.AgeColumn,
    ];

    public IReadOnlyList<TableColumn> Columns => ServiceAccountColumns;

    public TableRow Print(IKubernetesObject<V1ObjectMeta> obj, DateTimeOffset now)
    {
        var account = (V1ServiceAccount)obj;
        long count = account.Secrets?.Count ?? 0;
        return new TableRow([account.Metadata.Name ?? "", count, HumanDuration.Since(account.Metadata.CreationTimestamp, now)], []);
    }
}
