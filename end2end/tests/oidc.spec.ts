import { test, expect } from '@playwright/test';

// A tenant lead signs in through a real OpenID Connect provider (oidc-provider), sees their
// tenant, and gets nothing from another tenant's URLs.
test('a tenant lead signs in with single sign-on and sees only their tenant', async ({ page }, testInfo) => {
  await page.goto('/tenants/nlp');
  await expect(page).toHaveURL(/\/login\?next=%2Ftenants%2Fnlp$/);
  await page.getByRole('link', { name: 'Sign in with single sign-on' }).click();

  // The provider's own sign-in and consent pages.
  await expect(page).toHaveURL(/127\.0\.0\.1:\d+\/interaction\//);
  await page.locator('input[name="login"]').fill('nadia');
  await page.locator('input[name="password"]').fill('any password');
  await page.screenshot({ path: testInfo.outputPath('idp-login.png'), fullPage: true });
  await page.locator('button[type="submit"]').click();
  if (await page.locator('button[type="submit"]').count()) {
    await page.locator('button[type="submit"]').click(); // consent
  }

  await expect(page).toHaveURL(/\/tenants\/nlp$/);
  await expect(page.locator('h1')).toHaveText('Tenant nlp');
  await expect(page.locator('.signed-in .user')).toHaveText('nadia');
  await expect(page.locator('.signed-in .role')).toHaveText('tenant-lead');
  await page.screenshot({ path: testInfo.outputPath('oidc-tenant.png'), fullPage: true });

  const foreign = await page.goto('/tenants/vision');
  expect(foreign?.status()).toBe(404);
  await expect(page.locator('main')).not.toContainText('vision-');

  await page.goto('/');
  const rows = page.locator('table.tenants tbody tr');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('nlp');
  await expect(page.locator('nav')).not.toContainText('Audit log');
});
