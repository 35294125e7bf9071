namespace Podvisor.Runtime.Tests;

/// <summary>lifecycle.stopSignal names and their Linux numbers.</summary>
public sealed class StopSignalsTests
{
    [Theory]
    [InlineData("SIGTERM", 15)]
    [InlineData("SIGKILL", 9)]
    [InlineData("SIGINT", 2)]
    [InlineData("SIGQUIT", 3)]
    [InlineData("SIGUSR1", 10)]
    [InlineData("SIGUSR2", 12)]
    [InlineData("SIGHUP", 1)]
    [InlineData("SIGWINCH", 28)]
    [InlineData("SIGRTMIN", 34)]
    [InlineData("SIGRTMIN+1", 35)]
    [InlineData("SIGRTMIN+15", 49)]
    [InlineData("SIGRTMAX-14", 50)]
    [InlineData("SIGRTMAX-1", 63)]
    [InlineData("SIGRTMAX", 64)]
    public void StopSignal_KnownNames(string name, int number)
    {
        Assert.True(StopSignals.TryParse(name, out var parsed));
        Assert.Equal(number, parsed);
        Assert.Equal(number, StopSignals.Resolve(name));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("TERM")]
    [InlineData("sigterm")]
    [InlineData("15")]
    [InlineData("SIGRTMIN+16")]
    [InlineData("SIGRTMAX-15")]
    public void StopSignal_UnknownNames_AreRejected_AndStopWithSigterm(string? name)
    {
        Assert.False(StopSignals.TryParse(name, out _));
        Assert.Equal(15, StopSignals.Resolve(name));
    }
}
