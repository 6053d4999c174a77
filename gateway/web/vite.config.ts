// Vite builds the UI into dist/ (served by the gateway with --web_root) and, in `npm run dev`, proxies the
// gateway's routes so the dev server behaves like the gateway: GATEWAY_URL (default http://localhost:8080).
import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

const gateway = process.env.GATEWAY_URL ?? 'http://localhost:8080';

export default defineConfig({
  plugins: [react()],
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    proxy: {
      '/api': { target: gateway, changeOrigin: true },
      '/healthz': { target: gateway, changeOrigin: true },
      '/readyz': { target: gateway, changeOrigin: true },
    },
  },
  test: {
    environment: 'jsdom',
    globals: true,
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test-setup.ts'],
  },
});
