namespace Podvisor.Core.Serialization;

/// <summary>
/// A problem found while decoding. <see cref="IsStrict"/> marks the errors kube-apiserver's strict decoding reports
/// (unknown and duplicate fields), which a non-strict decode would ignore.
/// </summary>
public sealed record DecodeIssue(string Message, int Line, bool IsStrict);
