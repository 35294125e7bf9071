using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Podvisor.Api.Store;

/// <summary>
/// The durable copy of the store: SQLite in WAL mode at <c>DATA/podvisor.db</c>. One writer thread drains a channel of
/// committed changes, coalesces them per object (many status updates of one pod become one row write) and writes each
/// batch in one transaction, together with the global resourceVersion.
/// </summary>
internal sealed partial class SqliteJournal : IStoreJournal, IAsyncDisposable
{
    private readonly Channel<Change> _changes = Channel.CreateUnbounded<Change>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SqliteConnection _connection;
    private readonly ILogger _logger;
    private Task? _writer;

    private SqliteJournal(SqliteConnection connection, ILogger logger)
    {
        _connection = connection;
        _logger = logger;
    }

    private sealed record Change(ResourceKind Kind, StoredObject Target, byte[]? Json, long StoreRevision)
    {
        public string Key => Target.Key;
    }

    public static SqliteJournal Open(string path, ILogger logger)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        Execute(connection, """
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=NORMAL;
            CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS objects(kind TEXT NOT NULL, key TEXT NOT NULL, uid TEXT, namespace TEXT, name TEXT,
                resource_version INTEGER NOT NULL, json BLOB NOT NULL, PRIMARY KEY(kind, key));
            """);
        return new SqliteJournal(connection, logger);
    }

    /// <summary>Reads every stored object and the persisted revision. Call before <see cref="Start"/>.</summary>
    public (List<StoredObject> Objects, long Revision) Load()
    {
        var objects = new List<StoredObject>();
        using (var command = _connection.CreateCommand())
        {
            command.CommandText = "SELECT kind, json FROM objects ORDER BY resource_version";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var kind = ResourceKind.ByPlural(reader.GetString(0));
                var obj = kind.Deserialize(Encoding.UTF8.GetString((byte[])reader.GetValue(1)));
                var rv = long.Parse(obj.Metadata.ResourceVersion ?? "0", CultureInfo.InvariantCulture);
                objects.Add(new StoredObject(kind, obj, rv));
            }
        }

        using var meta = _connection.CreateCommand();
        meta.CommandText = "SELECT value FROM meta WHERE key = 'revision'";
        var revision = meta.ExecuteScalar() is long value ? value : 0;
        return (objects, revision);
    }

    public void Start() => _writer = Task.Factory.StartNew(WriteLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    public void Append(StoredObject? upsert, StoredObject? delete, long revision)
    {
        var target = upsert ?? delete ?? throw new ArgumentException("nothing to journal");
        _changes.Writer.TryWrite(new Change(target.Kind, target, upsert?.Json, revision));
    }

    public async ValueTask DisposeAsync()
    {
        _changes.Writer.TryComplete();
        if (_writer is not null)
        {
            await _writer.ConfigureAwait(false);
        }

        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    private void WriteLoop()
    {
        var batch = new Dictionary<(ResourceKind, string), Change>();
        while (_changes.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            long revision = 0;
            while (batch.Count < 5_000 && _changes.Reader.TryRead(out var change))
            {
                batch[(change.Kind, change.Key)] = change;
                revision = Math.Max(revision, change.StoreRevision);
            }

            try
            {
                WriteBatch(batch.Values, revision);
            }
            catch (SqliteException ex)
            {
                LogWriteFailed(_logger, batch.Count, ex);
            }

            batch.Clear();
        }
    }

    private void WriteBatch(IEnumerable<Change> changes, long revision)
    {
        using var transaction = _connection.BeginTransaction();
        using var upsert = _connection.CreateCommand();
        upsert.Transaction = transaction;
        upsert.CommandText = """
            INSERT INTO objects(kind, key, uid, namespace, name, resource_version, json) VALUES($kind, $key, $uid, $ns, $name, $rv, $json)
            ON CONFLICT(kind, key) DO UPDATE SET uid = excluded.uid, resource_version = excluded.resource_version, json = excluded.json
            """;
        using var delete = _connection.CreateCommand();
        delete.Transaction = transaction;
        delete.CommandText = "DELETE FROM objects WHERE kind = $kind AND key = $key";
        foreach (var change in changes)
        {
            var command = change.Json is null ? delete : upsert;
            command.Parameters.Clear();
            command.Parameters.AddWithValue("$kind", change.Kind.Plural);
            command.Parameters.AddWithValue("$key", change.Key);
            if (change.Json is not null)
            {
                command.Parameters.AddWithValue("$uid", change.Target.Uid);
                command.Parameters.AddWithValue("$ns", change.Target.Namespace);
                command.Parameters.AddWithValue("$name", change.Target.Name);
                command.Parameters.AddWithValue("$rv", change.Target.ResourceVersion);
                command.Parameters.AddWithValue("$json", change.Json);
            }

            command.ExecuteNonQuery();
        }

        using var meta = _connection.CreateCommand();
        meta.Transaction = transaction;
        meta.CommandText = "INSERT INTO meta(key, value) VALUES('revision', $rv) ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)";
        meta.Parameters.AddWithValue("$rv", revision);
        meta.ExecuteNonQuery();
        transaction.Commit();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Writing {Count} changes to the store database failed")]
    private static partial void LogWriteFailed(ILogger logger, int count, Exception exception);
}
