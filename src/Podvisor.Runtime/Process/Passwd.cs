using System.Globalization;

namespace Podvisor.Runtime.Process;

/// <summary>
/// The host's /etc/passwd, read as runc's user.GetExecUser reads the container's (the process runtime's rootfs is the
/// host's): the first entry with the uid.
/// </summary>
internal static class Passwd
{
    public sealed record Entry(uint Gid, string Home);

    public static Entry? Find(uint uid, string path = "/etc/passwd")
    {
        var wanted = uid.ToString(CultureInfo.InvariantCulture);
        foreach (var line in File.Exists(path) ? File.ReadLines(path) : [])
        {
            var fields = line.Split(':');
            if (fields.Length > 5 && fields[2] == wanted && uint.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var gid))
            {
                return new Entry(gid, fields[5]);
            }
        }

        return null;
    }
}
