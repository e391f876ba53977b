// Browser side of the Scratch host pages (the tests' VM and editor hosts, the benchmark's): what a
// userscript loader (Eureka in CodeLab, in its "unsandboxed" mode) gives an extension file in an
// editor that has no loader of its own — a `Scratch` object around the editor's VM, then the file
// as a classic script — and `stageValue`, a stage variable's value for the page's `window.vm`.
(function () {
  /** Registers an extension object the way builtins and unsandboxed loaders do. */
  function registerInternal(vm, extension) {
    const service = vm.extensionManager._registerInternalExtension(extension);
    vm.extensionManager._loadedExtensions.set(extension.getInfo().id, service);
  }

  /** The `Scratch` an unsandboxed extension sees (TurboWarp's shape, which loaders copy). */
  function unsandboxedScratch(vm) {
    return {
      vm,
      extensions: { unsandboxed: true, register: (ext) => registerInternal(vm, ext) },
      ArgumentType: { STRING: 'string', NUMBER: 'number', BOOLEAN: 'Boolean' },
      BlockType: { COMMAND: 'command', REPORTER: 'reporter', BOOLEAN: 'Boolean', HAT: 'hat' },
    };
  }

  /** Exposes `Scratch` for `vm`, then runs the extension file at `url` as a script. */
  function loadUnsandboxed(vm, url) {
    window.Scratch = unsandboxedScratch(vm);
    return new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = url;
      s.onload = resolve;
      s.onerror = () => reject(new Error(`cannot load ${url}`));
      document.head.append(s);
    });
  }

  window.userscriptLoader = { registerInternal, loadUnsandboxed };

  window.stageValue = (id) => {
    const v = window.vm.runtime.getTargetForStage().variables[id];
    return v ? v.value : undefined;
  };
})();
