using Xunit.Abstractions;
using Xunit.Sdk;

namespace Podvisor.Runtime.Contract;

/// <summary>
/// A case of <see cref="RuntimeContractTests"/>: skipped with the reason the deriving class's
/// <see cref="RuntimeUnderTestAttribute"/> gives (the backend is not available here, or lacks a capability the case needs).
/// </summary>
[XunitTestCaseDiscoverer("Podvisor.Runtime.Contract.ContractFactDiscoverer", "Podvisor.Runtime.Contract")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class ContractFactAttribute : FactAttribute
{
    /// <summary>The case needs a second runtime instance to adopt what the first left (see <see cref="RuntimeUnderTestAttribute.Adopts"/>).</summary>
    public bool NeedsAdoption { get; set; }
}

/// <summary>What a class deriving <see cref="RuntimeContractTests"/> runs against: its capabilities and availability.</summary>
[AttributeUsage(AttributeTargets.Class)]
public class RuntimeUnderTestAttribute : Attribute
{
    /// <summary>A runtime opened on the state another instance left adopts its sandboxes and containers.</summary>
    public bool Adopts { get; set; }

    /// <summary>Why the backend cannot run here (tools missing, not root), or null when it can.</summary>
    public virtual string? SkipReason => null;
}

/// <summary>Discovers <see cref="ContractFactAttribute"/> cases as <see cref="ContractTestCase"/>s.</summary>
public sealed class ContractFactDiscoverer(IMessageSink diagnostics) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute) =>
        [new ContractTestCase(diagnostics, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod)];
}

/// <summary>A contract case whose skip reason is decided by the class it runs in, not by the base class that declares it.</summary>
public sealed class ContractTestCase : XunitTestCase
{
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public ContractTestCase()
    {
    }

    public ContractTestCase(IMessageSink diagnostics, TestMethodDisplay display, TestMethodDisplayOptions options, ITestMethod testMethod)
        : base(diagnostics, display, options, testMethod)
    {
    }

    protected override string? GetSkipReason(IAttributeInfo factAttribute)
    {
        var runtime = TestMethod.TestClass.Class.ToRuntimeType().GetCustomAttributes(typeof(RuntimeUnderTestAttribute), inherit: true)
            .Cast<RuntimeUnderTestAttribute>().SingleOrDefault()
            ?? throw new InvalidOperationException($"{TestMethod.TestClass.Class.Name} needs a [RuntimeUnderTest] attribute");
        if (runtime.SkipReason is { } reason)
        {
            return reason;
        }

        return factAttribute.GetNamedArgument<bool>(nameof(ContractFactAttribute.NeedsAdoption)) && !runtime.Adopts
            ? "the runtime keeps no state across instances: nothing to adopt"
            : base.GetSkipReason(factAttribute);
    }
}
