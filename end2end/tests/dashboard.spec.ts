import { test, expect } from '@playwright/test';

test('overview lists the tenants and leads to a tenant\'s findings', async ({ page }, testInfo) => {
  await page.goto('/');

  const tenants = page.locator('table.tenants tbody tr');
  await expect(tenants).toHaveCount(10); // eight teams, platform, unassigned
  await expect(page.locator('table.tenants')).toContainText('vision');
  const topScore = Number(await tenants.first().locator('td.score').textContent());
  expect(topScore).toBeGreaterThan(0);
  expect(topScore).toBeLessThanOrEqual(100);
  await expect(page.locator('svg.sparkline').first()).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('overview.png'), fullPage: true });

  await page.getByRole('link', { name: 'platform', exact: true }).click();

  await expect(page).toHaveURL(/\/tenants\/platform$/);
  await expect(page.locator('h1')).toHaveText('Tenant platform');
  await expect(page.locator('table.namespaces')).toContainText('kube-system');
  const anonymous = page.locator('table.findings tr[data-rule="rbac.anonymous-binding"]');
  await expect(anonymous).toHaveCount(1);
  await expect(anonymous).toContainText('system:anonymous');
  await page.screenshot({ path: testInfo.outputPath('tenant.png'), fullPage: true });
});

test('an unknown tenant is a 404 page, not an error', async ({ page }) => {
  const response = await page.goto('/tenants/no-such-team');
  expect(response?.status()).toBe(404);
  await expect(page.locator('h1')).toHaveText('Not found');
});

test('requesting an exception is a form post that works without JavaScript', async ({ page }, testInfo) => {
  await page.goto('/exceptions?rule=pod.privileged&tenant=nlp');
  await expect(page.locator('select[name="tenant"]')).toHaveValue('nlp');
  await expect(page.locator('select[name="rule_id"]')).toHaveValue('pod.privileged');
  await page.locator('textarea[name="justification"]').fill('The GPU driver installer needs host access until the operator lands.');
  await page.getByRole('button', { name: 'Request' }).click();

  // Back on the page, the request is listed as pending; its requester cannot approve it.
  await expect(page).toHaveURL(/\/exceptions/);
  const row = page.locator('table.exceptions tbody tr').filter({ hasText: 'GPU driver installer' });
  await expect(row).toHaveAttribute('data-status', 'pending');
  await page.screenshot({ path: testInfo.outputPath('exceptions.png'), fullPage: true });
  await row.getByRole('button', { name: 'Approve' }).click();
  await expect(page.locator('p.error')).toContainText('someone other than its requester');
});
