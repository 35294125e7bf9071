using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Podvisor.Agent.Tests.Support;

/// <summary>Keeps every warning and error the agent logs, so a scenario can fail on an unexpected one.</summary>
public sealed class RecordingLoggerFactory : ILoggerFactory
{
    private readonly ConcurrentQueue<string> _problems = new();

    public IReadOnlyList<string> Problems => _problems.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(_problems);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(ConcurrentQueue<string> problems) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                problems.Enqueue($"{logLevel}: {formatter(state, exception)} {exception}");
            }
        }
    }
}
