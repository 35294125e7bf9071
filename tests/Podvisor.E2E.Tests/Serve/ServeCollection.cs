namespace Podvisor.E2E.Tests.Serve;

/// <summary>The serve tests run one at a time: each runs a serve with real processes on a small, shared machine.</summary>
[CollectionDefinition(Name)]
public sealed class ServeCollection
{
    public const string Name = "podvisor serve";
}
