using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Podvisor.Agent.Tests.Support;

/// <summary>
/// Keeps every line the agent logs at Debug and above (so every scenario runs the sync-step logging), and every warning
/// and error apart, so a scenario can fail on an unexpected one.
/// </summary>
public sealed class RecordingLoggerFactory : ILoggerFactory
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentQueue<string> _problems = new();

    public IReadOnlyList<string> Lines => _lines.ToArray();

    public IReadOnlyList<string> Problems => _problems.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(_lines, _problems);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(ConcurrentQueue<string> lines, ConcurrentQueue<string> problems) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = $"{logLevel}: {formatter(state, exception)} {exception}";
            lines.Enqueue(line);
            if (logLevel >= LogLevel.Warning)
            {
                problems.Enqueue(line);
            }
        }
    }
}
