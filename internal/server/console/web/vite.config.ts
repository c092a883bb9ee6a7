import { defineConfig } from 'vite'

// The build goes to ../dist, which the Go binary embeds (see ../README.md).
export default defineConfig({
  base: '/',
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    // No inline <script>: the page runs under script-src 'self'.
    modulePreload: { polyfill: false },
  },
  oxc: { jsx: { runtime: 'automatic' } },
})
