using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Podvisor.Api.Watch;
using Podvisor.Core;

namespace Podvisor.Api.Store;

/// <summary>
/// The durable copy of the store: SQLite in WAL mode at <c>DATA/podvisor.db</c>, written by the store's commit loop
/// one batch per transaction, together with the global resourceVersion. <c>synchronous=FULL</c>: the WAL is fsynced
/// at every commit, so an acknowledged write survives SIGKILL and power loss; group commit keeps that to one fsync per
/// batch of concurrent writers (docs/durability.md).
/// </summary>
internal sealed class SqliteJournal : IStoreJournal, IDisposable
{
    private readonly SqliteConnection _connection;

    private SqliteJournal(SqliteConnection connection) => _connection = connection;

    /// <summary>Opens (or creates) the database; the database, its WAL and shared-memory files are private (0600).</summary>
    public static SqliteJournal Open(string path)
    {
        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            PrivateFile.Touch(file);
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        Execute(connection, """
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=FULL;
            CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS objects(kind TEXT NOT NULL, key TEXT NOT NULL, uid TEXT, namespace TEXT, name TEXT,
                resource_version INTEGER NOT NULL, json BLOB NOT NULL, PRIMARY KEY(kind, key));
            """);
        return new SqliteJournal(connection);
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

    public void Dispose() => _connection.Dispose();

    public void Write(IReadOnlyCollection<WatchRecord> changes, long revision)
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
            var target = change.Object;
            var deleted = change.Type == k8s.WatchEventType.Deleted;
            var command = deleted ? delete : upsert;
            command.Parameters.Clear();
            command.Parameters.AddWithValue("$kind", target.Kind.Plural);
            command.Parameters.AddWithValue("$key", target.Key);
            if (!deleted)
            {
                command.Parameters.AddWithValue("$uid", target.Uid);
                command.Parameters.AddWithValue("$ns", target.Namespace);
                command.Parameters.AddWithValue("$name", target.Name);
                command.Parameters.AddWithValue("$rv", target.ResourceVersion);
                command.Parameters.AddWithValue("$json", target.Json);
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
}
