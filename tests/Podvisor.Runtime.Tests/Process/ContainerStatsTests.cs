using Podvisor.Runtime.Process;

namespace Podvisor.Runtime.Tests.Process;

/// <summary>ListContainerStats (CRI ContainerStats) of real process groups, and the /proc/PID/stat parser it rests on.</summary>
public sealed class ContainerStatsTests
{
    [Fact]
    public async Task StatsCountTheWholeProcessGroupIncludingReapedChildrenAndEndWithTheContainer()
    {
        await using var h = await RuntimeHarness.StartAsync();
        var sandbox = await h.SandboxAsync(hostNetwork: true);
        var fifo = h.Fifo("worked");

        // The CPU is spent in a subshell the container reaps (cutime); a live child holds memory beside the leader.
        var id = await h.StartAsync(sandbox, h.Config("c", "sh", "-c",
            $"( i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done ); sleep 3600 & echo worked > {fifo}; wait"));
        Assert.Equal("worked\n", await h.ReadFifoAsync(fifo));

        var stats = Assert.Single(h.Runtime.ListContainerStats(), s => s.ContainerId == id);
        Assert.True(stats.CpuUsageCoreNanoSeconds > 0, "the subshell's loop took at least one clock tick");
        Assert.True(stats.MemoryWorkingSetBytes > 0);

        await h.Runtime.StopContainerAsync(id, TimeSpan.FromSeconds(2), h.Deadline);
        Assert.DoesNotContain(h.Runtime.ListContainerStats(), s => s.ContainerId == id);
    }

    [Theory]
    [InlineData("42 (sh) S 1 42 42 0 -1 4194560 100 0 0 0 7 3 5 1 20 0 1 0 100 5000000 300 18446744073709551615", 42, 160_000_000UL, 300)]
    [InlineData("7 (a) b (c)) R 1 9 9 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 100 5000000 2 0", 9, 20_000_000UL, 2)]
    public void ParseReadsTheGroupTimesAndRssAfterTheLastParenthesis(string stat, int group, ulong cpu, ulong pages)
    {
        Assert.Equal((group, cpu, pages * (ulong)Environment.SystemPageSize), ProcessGroupStats.Parse(stat));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("42 (sh")]
    [InlineData("42 (sh) S 1 x")]
    public void ParseRejectsTruncatedText(string? stat) => Assert.Null(ProcessGroupStats.Parse(stat));
}
