using System.Runtime.InteropServices;

namespace Overlay.Hypervisor.Interop;

internal static partial class Interop
{
    internal static partial class Libvirt
    {
        /// <summary>virDomainModificationImpact (libvirt-domain.h).</summary>
        internal const uint VIR_DOMAIN_AFFECT_LIVE = 1;
        internal const uint VIR_DOMAIN_AFFECT_CONFIG = 2;

        [LibraryImport(Libraries.Libvirt, StringMarshalling = StringMarshalling.Utf8)]
        private static partial IntPtr virDomainDefineXML(SafeVirConnectHandle conn, string xml);

        [LibraryImport(Libraries.Libvirt, StringMarshalling = StringMarshalling.Utf8)]
        private static partial IntPtr virDomainLookupByName(SafeVirConnectHandle conn, string name);

        [LibraryImport(Libraries.Libvirt)]
        private static unsafe partial int virConnectListAllDomains(SafeVirConnectHandle conn, IntPtr** domains, uint flags);

        [LibraryImport(Libraries.Libvirt)]
        internal static partial int virDomainFree(IntPtr domain);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virDomainRef(IntPtr domain);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virDomainUndefine(SafeVirDomainHandle domain);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virDomainCreate(SafeVirDomainHandle domain);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virDomainShutdown(SafeVirDomainHandle domain);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virDomainDestroy(SafeVirDomainHandle domain);

        [LibraryImport(Libraries.Libvirt)]
        private static partial IntPtr virDomainGetXMLDesc(SafeVirDomainHandle domain, uint flags);

        [LibraryImport(Libraries.Libvirt)]
        private static partial IntPtr virDomainGetName(IntPtr domain);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virDomainGetState(SafeVirDomainHandle domain, out int state, out int reason, uint flags);

        [LibraryImport(Libraries.Libvirt, StringMarshalling = StringMarshalling.Utf8)]
        private static partial int virDomainAttachDeviceFlags(SafeVirDomainHandle domain, string xml, uint flags);

        internal static SafeVirDomainHandle DefineXml(SafeVirConnectHandle conn, string xml) =>
            Wrap(conn, virDomainDefineXML(conn, xml), "virDomainDefineXML");

        internal static SafeVirDomainHandle LookupByName(SafeVirConnectHandle conn, string name) =>
            Wrap(conn, virDomainLookupByName(conn, name), $"virDomainLookupByName({name})");

        /// <summary>Every domain (flags: virConnectListAllDomainsFlags, 0 = all), each as its own handle.</summary>
        internal static unsafe List<SafeVirDomainHandle> ListAll(SafeVirConnectHandle conn, uint flags)
        {
            IntPtr* array = null;
            var count = virConnectListAllDomains(conn, &array, flags);
            if (count < 0)
            {
                throw LastError("virConnectListAllDomains");
            }

            var result = new List<SafeVirDomainHandle>(count);
            try
            {
                for (var i = 0; i < count; i++)
                {
                    // Each element is a reference the caller owns; the handle takes it over.
                    result.Add(new SafeVirDomainHandle(array[i], conn));
                    array[i] = IntPtr.Zero;
                }
            }
            finally
            {
                for (var i = 0; i < count; i++)
                {
                    if (array[i] != IntPtr.Zero)
                    {
                        virDomainFree(array[i]);
                    }
                }

                LibC.Free((IntPtr)array);
            }

            return result;
        }

        /// <summary>A handle of its own for a domain pointer libvirt lends to a callback.</summary>
        internal static SafeVirDomainHandle Borrow(SafeVirConnectHandle conn, IntPtr domain)
        {
            if (virDomainRef(domain) < 0)
            {
                throw LastError("virDomainRef");
            }

            return new SafeVirDomainHandle(domain, conn);
        }

        internal static void Undefine(SafeVirDomainHandle d) => Check(virDomainUndefine(d), "virDomainUndefine", d);

        internal static void Create(SafeVirDomainHandle d) => Check(virDomainCreate(d), "virDomainCreate", d);

        internal static void Shutdown(SafeVirDomainHandle d) => Check(virDomainShutdown(d), "virDomainShutdown", d);

        internal static void Destroy(SafeVirDomainHandle d) => Check(virDomainDestroy(d), "virDomainDestroy", d);

        internal static void AttachDevice(SafeVirDomainHandle d, string xml, uint flags) =>
            Check(virDomainAttachDeviceFlags(d, xml, flags), "virDomainAttachDeviceFlags", d);

        internal static string XmlDesc(SafeVirDomainHandle d, uint flags) =>
            TakeString(virDomainGetXMLDesc(d, flags)) ?? throw LastError($"virDomainGetXMLDesc({d.Name})");

        /// <summary>The domain's name; the string belongs to the domain object, so it is copied, not freed.</summary>
        internal static string Name(IntPtr domain) =>
            Marshal.PtrToStringUTF8(virDomainGetName(domain)) ?? throw LastError("virDomainGetName");

        internal static (int State, int Reason) State(SafeVirDomainHandle d) =>
            virDomainGetState(d, out var state, out var reason, 0) < 0
                ? throw LastError($"virDomainGetState({d.Name})")
                : (state, reason);

        private static SafeVirDomainHandle Wrap(SafeVirConnectHandle conn, IntPtr domain, string operation) =>
            domain == IntPtr.Zero ? throw LastError(operation) : new SafeVirDomainHandle(domain, conn);

        private static void Check(int rc, string operation, SafeVirDomainHandle d)
        {
            if (rc < 0)
            {
                throw LastError($"{operation}({d.Name})");
            }
        }
    }
}
