using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Podvisor.E2E.Tests.Support;

/// <summary>Keeps every warning and error the agent and runtime log (a failed sync is an error: the agent "crashed").</summary>
public sealed class ProblemLog : ILoggerFactory, ILogger
{
    private readonly ConcurrentQueue<string> _problems = new();

    public IReadOnlyList<string> Problems => _problems.ToArray();

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            _problems.Enqueue($"{logLevel}: {formatter(state, exception)} {exception}");
        }
    }

    public void Dispose()
    {
    }
}
