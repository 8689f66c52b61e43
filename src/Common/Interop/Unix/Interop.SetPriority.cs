using System.Runtime.InteropServices;

namespace Overlay.Common.Interop.Unix;

internal static partial class Interop
{
    internal static partial class LibC
    {
        private const int PRIO_PROCESS = 0;

        [LibraryImport(Libraries.LibC, EntryPoint = "setpriority", SetLastError = true)]
        private static partial int SetPriorityRaw(int which, int who, int priority);

        [LibraryImport(Libraries.LibC, EntryPoint = "gettid")]
        private static partial int GetTid();

        /// <summary>
        /// setpriority(2) of the calling thread: on Linux a nice value is per thread (PRIO_PROCESS with a thread
        /// id), so one thread can yield to the others of its process. .NET's Thread.Priority does nothing on Linux.
        /// Raising needs CAP_SYS_NICE; lowering never does.
        /// </summary>
        public static void SetCurrentThreadNice(int nice) => SetThreadNice(GetTid(), nice);

        /// <summary>setpriority(2) of one thread of this process, by its id (a name under /proc/self/task).</summary>
        public static void SetThreadNice(int tid, int nice)
        {
            if (SetPriorityRaw(PRIO_PROCESS, tid, nice) != 0)
            {
                throw ErrnoException.FromLastError("setpriority");
            }
        }
    }
}
