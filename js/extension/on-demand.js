// CodeLab's IoT blocks exist for the projects that already use them. Where the extension can see
// the editor's VM, the IoT category is added only when a project (or pasted blocks) asks the VM for
// it, so a new user sees one category, MQTT. Without a VM (a sandboxed worker) nothing can be
// watched, and the caller registers it at once.

/**
 * Arranges for `make()` to be registered as extension `id` the first time the VM looks for it.
 * Returns false when this editor offers no way to do that.
 */
export function registerOnDemand(Scratch, id, make) {
  const manager = Scratch.vm?.extensionManager;
  if (!manager) return false;
  // TurboWarp: projects that name a builtin extension load it synchronously from this table.
  if (typeof manager.addBuiltinExtension === 'function') {
    manager.addBuiltinExtension(
      id,
      class {
        constructor() {
          return make();
        }
      },
    );
    return true;
  }
  // scratch-vm (and editors built on it): loading a project or pasting blocks first asks
  // `isExtensionLoaded(id)` and only then tries to fetch `id` as a URL, which would fail.
  if (typeof manager.isExtensionLoaded !== 'function') return false;
  const register = Scratch.extensions.register.bind(Scratch.extensions);
  const isLoaded = manager.isExtensionLoaded.bind(manager);
  let offered = false;
  manager.isExtensionLoaded = (extensionId) => {
    if (extensionId === id && !offered && !isLoaded(id)) {
      offered = true;
      try {
        register(make());
      } catch (error) {
        // Never into the VM's project loading: it then reports the extension as missing.
        console.error(`scratch-mqtt: could not add the ${id} blocks`, error);
      }
    }
    return isLoaded(extensionId);
  };
  return true;
}
