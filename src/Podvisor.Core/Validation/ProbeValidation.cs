using k8s.Models;

namespace Podvisor.Core.Validation;

/// <summary>
/// Probe and lifecycle-hook validation. Mirrors validation.go validateLivenessProbe, validateReadinessProbe,
/// validateStartupProbe, validateProbe, validateHandler and validateLifecycle.
/// </summary>
public static class ProbeValidation
{
    public const string IsNegativeErrorMsg = "must be greater than or equal to 0";
    private const string MoreThanOneHandler = "may not specify more than 1 handler type";
    private static readonly string[] SupportedHttpSchemes = ["HTTP", "HTTPS"];

    /// <summary>The probes and lifecycle of a regular container or sidecar.</summary>
    public static IEnumerable<FieldError> ValidateProbesAndLifecycle(V1Container c, long? gracePeriod, FieldPath path)
    {
        var errs = new List<FieldError>();
        if (c.Lifecycle is not null)
        {
            errs.AddRange(ValidateLifecycle(c.Lifecycle, gracePeriod, path.Child("lifecycle")));
        }

        errs.AddRange(ValidateLivenessOrStartup(c.LivenessProbe, path.Child("livenessProbe")));
        errs.AddRange(ValidateReadiness(c.ReadinessProbe, path.Child("readinessProbe")));
        errs.AddRange(ValidateLivenessOrStartup(c.StartupProbe, path.Child("startupProbe")));
        return errs;
    }

    /// <summary>Mirrors validateLivenessProbe / validateStartupProbe: successThreshold must be 1.</summary>
    public static IEnumerable<FieldError> ValidateLivenessOrStartup(V1Probe? probe, FieldPath path)
    {
        if (probe is null)
        {
            return [];
        }

        var errs = ValidateProbe(probe, path).ToList();
        if ((probe.SuccessThreshold ?? 0) != 1)
        {
            errs.Add(FieldError.Invalid(path.Child("successThreshold"), probe.SuccessThreshold ?? 0, "must be 1"));
        }

        return errs;
    }

    /// <summary>Mirrors validateReadinessProbe: no probe-level terminationGracePeriodSeconds.</summary>
    public static IEnumerable<FieldError> ValidateReadiness(V1Probe? probe, FieldPath path)
    {
        if (probe is null)
        {
            return [];
        }

        var errs = ValidateProbe(probe, path).ToList();
        if (probe.TerminationGracePeriodSeconds is { } grace)
        {
            errs.Add(FieldError.Invalid(path.Child("terminationGracePeriodSeconds"), grace, "must not be set for readinessProbes"));
        }

        return errs;
    }

    private static List<FieldError> ValidateProbe(V1Probe probe, FieldPath path)
    {
        var errs = ValidateHandler(
            [("exec", probe.Exec), ("httpGet", probe.HttpGet), ("tcpSocket", probe.TcpSocket), ("grpc", probe.Grpc)], null, path).ToList();
        errs.AddRange(ValidateNonNegative(probe.InitialDelaySeconds ?? 0, path.Child("initialDelaySeconds")));
        errs.AddRange(ValidateNonNegative(probe.TimeoutSeconds ?? 0, path.Child("timeoutSeconds")));
        errs.AddRange(ValidateNonNegative(probe.PeriodSeconds ?? 0, path.Child("periodSeconds")));
        errs.AddRange(ValidateNonNegative(probe.SuccessThreshold ?? 0, path.Child("successThreshold")));
        errs.AddRange(ValidateNonNegative(probe.FailureThreshold ?? 0, path.Child("failureThreshold")));
        if (probe.TerminationGracePeriodSeconds is <= 0 and { } grace)
        {
            errs.Add(FieldError.Invalid(path.Child("terminationGracePeriodSeconds"), grace, "must be greater than 0"));
        }

        return errs;
    }

    /// <summary>Mirrors validateLifecycle: postStart and preStop handlers.</summary>
    public static IEnumerable<FieldError> ValidateLifecycle(V1Lifecycle lifecycle, long? gracePeriod, FieldPath path)
    {
        var errs = new List<FieldError>();
        foreach (var (name, handler) in new[] { ("postStart", lifecycle.PostStart), ("preStop", lifecycle.PreStop) })
        {
            if (handler is not null)
            {
                errs.AddRange(ValidateHandler(
                    [("exec", handler.Exec), ("httpGet", handler.HttpGet), ("tcpSocket", handler.TcpSocket), ("sleep", handler.Sleep)],
                    gracePeriod, path.Child(name)));
            }
        }

        return errs;
    }

    /// <summary>Mirrors ValidateNonnegativeField.</summary>
    public static IEnumerable<FieldError> ValidateNonNegative(long value, FieldPath path) =>
        value < 0 ? [FieldError.Invalid(path, value, IsNegativeErrorMsg)] : [];

    /// <summary>Mirrors validateHandler: exactly one handler type, each validated.</summary>
    private static List<FieldError> ValidateHandler((string Name, object? Action)[] actions, long? gracePeriod, FieldPath path)
    {
        var errs = new List<FieldError>();
        var count = 0;
        foreach (var (name, action) in actions)
        {
            if (action is null)
            {
                continue;
            }

            if (count++ > 0)
            {
                errs.Add(FieldError.Forbidden(path.Child(name), MoreThanOneHandler));
                continue;
            }

            errs.AddRange(ValidateAction(action, gracePeriod, path.Child(name)));
        }

        if (count == 0)
        {
            errs.Add(FieldError.Required(path, "must specify a handler type"));
        }

        return errs;
    }

    private static IEnumerable<FieldError> ValidateAction(object action, long? gracePeriod, FieldPath path) => action switch
    {
        V1ExecAction exec => exec.Command is { Count: > 0 } ? [] : [FieldError.Required(path.Child("command"))],
        V1HTTPGetAction http => ValidateHttpGet(http, path),
        V1TCPSocketAction tcp => ValidatePortNumOrName(tcp.Port, path.Child("port")),
        V1GRPCAction grpc => NameValidation.IsValidPortNum(grpc.Port).Select(m => FieldError.Invalid(path.Child("port"), grpc.Port, m)),
        V1SleepAction sleep => ValidateSleep(sleep, gracePeriod, path),
        _ => throw new System.Diagnostics.UnreachableException(),
    };

    private static List<FieldError> ValidateHttpGet(V1HTTPGetAction http, FieldPath path)
    {
        var errs = new List<FieldError>();
        if (string.IsNullOrEmpty(http.Path))
        {
            errs.Add(FieldError.Required(path.Child("path")));
        }

        errs.AddRange(ValidatePortNumOrName(http.Port, path.Child("port")));
        if (!SupportedHttpSchemes.Contains(http.Scheme ?? ""))
        {
            errs.Add(FieldError.NotSupported(path.Child("scheme"), http.Scheme ?? "", SupportedHttpSchemes));
        }

        foreach (var header in http.HttpHeaders ?? [])
        {
            errs.AddRange(NameValidation.IsHttpHeaderName(header.Name ?? "")
                .Select(m => FieldError.Invalid(path.Child("httpHeaders"), header.Name ?? "", m)));
        }

        return errs;
    }

    /// <summary>
    /// Mirrors ValidatePortNumOrName. The client model keeps IntOrString as text, so a numeric text counts as a number.
    /// </summary>
    public static IEnumerable<FieldError> ValidatePortNumOrName(IntOrString? port, FieldPath path)
    {
        var text = port?.Value ?? "";
        if (long.TryParse(text, out var number))
        {
            return NameValidation.IsValidPortNum(number).Select(m => FieldError.Invalid(path, number, m));
        }

        return NameValidation.IsValidPortName(text).Select(m => FieldError.Invalid(path, text, m));
    }

    /// <summary>Mirrors validateSleepAction with PodLifecycleSleepActionAllowZero (GA).</summary>
    private static IEnumerable<FieldError> ValidateSleep(V1SleepAction sleep, long? gracePeriod, FieldPath path)
    {
        if (gracePeriod is { } grace && (sleep.Seconds < 0 || sleep.Seconds > grace))
        {
            yield return FieldError.Invalid(path, sleep.Seconds,
                $"must be non-negative and less than terminationGracePeriodSeconds ({grace})");
        }
    }
}
