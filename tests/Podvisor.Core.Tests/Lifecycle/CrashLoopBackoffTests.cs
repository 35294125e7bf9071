using Podvisor.Core.Lifecycle;
using Podvisor.Core.Model;
using Podvisor.Core.Tests.Support;

namespace Podvisor.Core.Tests.Lifecycle;

public class CrashLoopBackoffTests
{
    private static readonly DateTimeOffset T0 = RuntimeBuilder.T0;

    [Fact]
    public void Defaults_AreTenSecondsDoublingToFiveMinutes()
    {
        var backoff = new CrashLoopBackoff();
        Assert.Equal(TimeSpan.FromSeconds(10), backoff.Initial);
        Assert.Equal(TimeSpan.FromSeconds(300), backoff.Max);
    }

    [Theory]
    [InlineData(300, 10, new[] { 10, 20, 40, 80, 160, 300, 300, 300 })]
    [InlineData(30, 10, new[] { 10, 20, 30, 30 })]
    [InlineData(10, 10, new[] { 10, 10, 10 })]
    [InlineData(15, 10, new[] { 10, 15, 15 })]
    [InlineData(5, 5, new[] { 5, 5, 5 })]
    [InlineData(1, 1, new[] { 1, 1 })]
    public void CL_01_Next_DoublesUpToTheConfiguredMax(int maxSeconds, int initialSeconds, int[] expected)
    {
        var backoff = new CrashLoopBackoff(TimeSpan.FromSeconds(maxSeconds));
        Assert.Equal(TimeSpan.FromSeconds(initialSeconds), backoff.Initial);
        var now = T0;
        foreach (var seconds in expected)
        {
            backoff.Next("k", now, now);
            Assert.Equal(TimeSpan.FromSeconds(seconds), backoff.Get("k"));
            now += TimeSpan.FromSeconds(seconds);
        }
    }

    [Theory]
    [InlineData(0.999)]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(300.001)]
    [InlineData(600)]
    public void Constructor_RejectsAMaxOutsideOneToThreeHundredSeconds(double seconds) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new CrashLoopBackoff(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void IsInBackOffSince_FalseWithoutAnEntry()
    {
        var backoff = new CrashLoopBackoff();
        Assert.False(backoff.IsInBackOffSince("k", T0, T0, out var current));
        Assert.Equal(TimeSpan.Zero, current);
        Assert.Equal(TimeSpan.Zero, backoff.Get("k"));
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(9.999, true)]
    [InlineData(10, false)]
    [InlineData(11, false)]
    public void IsInBackOffSince_ComparesNowMinusEventTimeWithTheBackoff(double secondsAfterExit, bool expected)
    {
        var backoff = new CrashLoopBackoff();
        backoff.Next("k", T0, T0);
        var exit = T0.AddSeconds(30);
        Assert.Equal(expected, backoff.IsInBackOffSince("k", exit, exit.AddSeconds(secondsAfterExit), out var current));
        Assert.Equal(TimeSpan.FromSeconds(10), current);
    }

    [Theory]
    [InlineData(600, false)]
    [InlineData(600.001, true)]
    [InlineData(3600, true)]
    public void CL_01_AnEventMoreThanTenMinutesAfterTheLastUpdateResets(double secondsAfterUpdate, bool reset)
    {
        var backoff = new CrashLoopBackoff();
        var now = T0;
        for (var i = 0; i < 6; i++)
        {
            backoff.Next("k", now, now);
        }

        Assert.Equal(TimeSpan.FromSeconds(300), backoff.Get("k"));
        var exit = now.AddSeconds(secondsAfterUpdate);
        Assert.Equal(!reset, backoff.IsInBackOffSince("k", exit, exit, out _));
        backoff.Next("k", exit, exit);
        Assert.Equal(TimeSpan.FromSeconds(reset ? 10 : 300), backoff.Get("k"));
    }

    [Fact]
    public void ResetWindow_IsTenMinutesEvenWithASmallMax()
    {
        var backoff = new CrashLoopBackoff(TimeSpan.FromSeconds(2));
        backoff.Next("k", T0, T0);
        backoff.Next("k", T0, T0);
        Assert.Equal(TimeSpan.FromSeconds(2), backoff.Get("k"));
        Assert.True(backoff.IsInBackOffSince("k", T0.AddSeconds(599), T0.AddSeconds(600), out _));
    }

    [Fact]
    public void Key_IsPodNameNamespaceUidContainerNameAndHash()
    {
        var pod = new PodBuilder("web", "prod", "1234-abcd").Container("app").Build();
        var app = pod.Spec.Containers[0];
        Assert.Equal($"web_prod_1234-abcd_app_{ContainerHash.Compute(app)}", CrashLoopBackoff.Key(pod, app));
    }

    [Fact]
    public void Key_ChangesWithTheContainerSpec()
    {
        var pod = new PodBuilder().Container("app").Build();
        var before = CrashLoopBackoff.Key(pod, pod.Spec.Containers[0]);
        pod.Spec.Containers[0].Command = ["sleep", "1"];
        Assert.NotEqual(before, CrashLoopBackoff.Key(pod, pod.Spec.Containers[0]));
    }

    [Fact]
    public void ForgetPod_DropsOnlyThatPodsEntries()
    {
        var backoff = new CrashLoopBackoff();
        var a = new PodBuilder("a", "ns", "uid-a").Container("c").Container("d").Build();
        var b = new PodBuilder("b", "ns", "uid-b").Container("c").Build();
        var keys = new[] { CrashLoopBackoff.Key(a, a.Spec.Containers[0]), CrashLoopBackoff.Key(a, a.Spec.Containers[1]), CrashLoopBackoff.Key(b, b.Spec.Containers[0]) };
        foreach (var key in keys)
        {
            backoff.Next(key, T0, T0);
        }

        backoff.ForgetPod("uid-a");
        Assert.Equal(TimeSpan.Zero, backoff.Get(keys[0]));
        Assert.Equal(TimeSpan.Zero, backoff.Get(keys[1]));
        Assert.Equal(TimeSpan.FromSeconds(10), backoff.Get(keys[2]));
    }

    [Fact]
    public async Task ConcurrentWorkers_EachSeeTheirOwnDoubling()
    {
        var backoff = new CrashLoopBackoff();
        var workers = Enumerable.Range(0, 16).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < 5; i++)
            {
                backoff.Next($"p{w}_ns_uid{w}_c_h", T0, T0);
                backoff.IsInBackOffSince($"p{w}_ns_uid{w}_c_h", T0, T0, out _);
            }
        }));
        await Task.WhenAll(workers);
        for (var w = 0; w < 16; w++)
        {
            Assert.Equal(TimeSpan.FromSeconds(160), backoff.Get($"p{w}_ns_uid{w}_c_h"));
        }
    }
}
