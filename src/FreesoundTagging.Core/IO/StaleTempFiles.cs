using System.Diagnostics;

namespace FreesoundTagging.IO;

/// <summary>Removes temporary files that a killed run (see <see cref="AtomicFile"/>) could not clean up.</summary>
public static class StaleTempFiles
{
    public static void Remove(string folder, params string[] finalNames)
    {
        foreach (string name in finalNames)
        {
            foreach (string temp in Directory.EnumerateFiles(folder, $".{name}.*.tmp"))
            {
                // .name.<pid>.<guid>.tmp: leave files of a run that is still going.
                string[] parts = Path.GetFileName(temp).Split('.');
                if (parts.Length >= 4 && int.TryParse(parts[^3], out int pid) && pid != Environment.ProcessId && IsRunning(pid)) continue;
                if (parts.Length >= 4 && int.TryParse(parts[^3], out pid) && pid == Environment.ProcessId) continue;
                try
                {
                    File.Delete(temp);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
