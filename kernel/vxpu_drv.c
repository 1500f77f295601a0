// SPDX-License-Identifier: GPL-2.0
/*
 * vxpu: module parameters, platform devices, DRM driver, file operations,
 * sysfs attributes and the ioctl table.
 */
#include <linux/compat.h>
#include <linux/hash.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/uaccess.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_managed.h>
#include <drm/drm_prime.h>

#include "vxpu_drv.h"

#define DRIVER_NAME	VXPU_DRIVER_NAME
#define DRIVER_DESC	"vxpu virtual accelerator"

static unsigned int num_devices = 2;
module_param(num_devices, uint, 0444);
MODULE_PARM_DESC(num_devices, "Number of vxpu devices (1-8, default 2)");

static unsigned int vram_mib = 256;
module_param(vram_mib, uint, 0444);
MODULE_PARM_DESC(vram_mib, "VRAM per device in MiB (1-65536, default 256)");

static unsigned int gpu_id_seed;
module_param(gpu_id_seed, uint, 0444);
MODULE_PARM_DESC(gpu_id_seed, "Seed of the stable gpu_id of each device");

static unsigned long long default_quota_mib = 4096;
module_param(default_quota_mib, ullong, 0444);
MODULE_PARM_DESC(default_quota_mib,
		 "Initial BO memory quota of each context in MiB (default 4096)");

static unsigned int engines = 2;
module_param(engines, uint, 0444);
MODULE_PARM_DESC(engines, "Execution engines per device (1-64, default 2)");

unsigned long long vxpu_default_quota;

atomic_t vxpu_live_ctxs = ATOMIC_INIT(0);
atomic_t vxpu_live_bos = ATOMIC_INIT(0);
atomic_t vxpu_live_asids = ATOMIC_INIT(0);
atomic_t vxpu_live_mappings = ATOMIC_INIT(0);
atomic_t vxpu_live_queues = ATOMIC_INIT(0);
atomic_t vxpu_live_events = ATOMIC_INIT(0);
atomic_t vxpu_live_grants = ATOMIC_INIT(0);
atomic_t vxpu_live_foreign = ATOMIC_INIT(0);
atomic_t vxpu_live_faults = ATOMIC_INIT(0);

static struct platform_device *vxpu_pdevs[VXPU_MAX_DEVICES];

/*
 * A stable, non-zero gpu_id, unique among the devices of one load: the low
 * byte is index + 1, the upper 23 bits a hash of the seed.
 */
static u32 vxpu_gpu_id(unsigned int index)
{
	return hash_32(gpu_id_seed ^ 0x76787075U, 23) << 8 | (index + 1);
}

/* ---- ioctls ------------------------------------------------------------ */

static int vxpu_ioctl_device_info(struct drm_device *drm, void *data,
				  struct drm_file *file)
{
	struct vxpu_device *vdev = to_vxpu_device(drm);
	struct drm_vxpu_device_info *args = data;

	if (args->flags)
		return -EINVAL;

	args->index = vdev->index;
	args->gpu_id = vdev->gpu_id;
	args->engine_count = vdev->engine_count;
	args->vram_size = vdev->vram_size;
	args->vram_free = vxpu_vram_free(vdev);
	args->caps = VXPU_CAP_VRAM | VXPU_CAP_GTT | VXPU_CAP_PRIME |
		     VXPU_CAP_VM_RW | VXPU_CAP_ENGINE | VXPU_CAP_CRIU |
		     VXPU_CAP_GRANT;
#ifdef VXPU_HAVE_DRM_ACCEL_H
	args->caps |= VXPU_CAP_ACCEL_NODE;
#endif
	args->va_start = VXPU_VA_START;
	args->va_end = VXPU_VA_END;
	memset(args->name, 0, sizeof(args->name));
	strscpy(args->name, vdev->name, sizeof(args->name));
	return 0;
}

#define VXPU_IOCTL(n, f) \
	DRM_IOCTL_DEF_DRV(VXPU_##n, vxpu_ioctl_##f, DRM_RENDER_ALLOW)

static const struct drm_ioctl_desc vxpu_ioctls[] = {
	VXPU_IOCTL(DEVICE_INFO, device_info),
	VXPU_IOCTL(CONTEXT_INFO, context_info),
	VXPU_IOCTL(CONTEXT_SET_QUOTA, context_set_quota),
	VXPU_IOCTL(BO_CREATE, bo_create),
	VXPU_IOCTL(BO_INFO, bo_info),
	VXPU_IOCTL(ASID_CREATE, asid_create),
	VXPU_IOCTL(ASID_DESTROY, asid_destroy),
	VXPU_IOCTL(VM_MAP, vm_map),
	VXPU_IOCTL(VM_UNMAP, vm_unmap),
	VXPU_IOCTL(VM_READ, vm_read),
	VXPU_IOCTL(VM_WRITE, vm_write),
	VXPU_IOCTL(QUEUE_CREATE, queue_create),
	VXPU_IOCTL(QUEUE_DESTROY, queue_destroy),
	VXPU_IOCTL(QUEUE_DOORBELL, queue_doorbell),
	VXPU_IOCTL(QUEUE_INFO, queue_info),
	VXPU_IOCTL(CONTEXT_PAUSE, context_pause),
	VXPU_IOCTL(EVENT_CREATE, event_create),
	VXPU_IOCTL(EVENT_DESTROY, event_destroy),
	VXPU_IOCTL(EVENT_READ, event_read),
	VXPU_IOCTL(EVENT_WAIT, event_wait),
	VXPU_IOCTL(CRIU, criu),
	VXPU_IOCTL(GRANT_CREATE, grant_create),
	VXPU_IOCTL(GRANT_MAP, grant_map),
	VXPU_IOCTL(GRANT_UNMAP, grant_unmap),
	VXPU_IOCTL(GRANT_REVOKE, grant_revoke),
	VXPU_IOCTL(GRANT_INFO, grant_info),
	VXPU_IOCTL(FAULT_READ, fault_read),
	VXPU_IOCTL(FAULT_REPLY, fault_reply),
};

/*
 * The first published size of each ioctl's struct: a caller passing less
 * gets -EINVAL. Structs only grow, so append to this table, never edit it.
 */
static const u16 vxpu_ioctl_min_size[] = {
	[DRM_VXPU_DEVICE_INFO] = sizeof(struct drm_vxpu_device_info),
	[DRM_VXPU_CONTEXT_INFO] = sizeof(struct drm_vxpu_context_info),
	[DRM_VXPU_CONTEXT_SET_QUOTA] = sizeof(struct drm_vxpu_context_set_quota),
	[DRM_VXPU_BO_CREATE] = sizeof(struct drm_vxpu_bo_create),
	[DRM_VXPU_BO_INFO] = sizeof(struct drm_vxpu_bo_info),
	[DRM_VXPU_ASID_CREATE] = sizeof(struct drm_vxpu_asid_create),
	[DRM_VXPU_ASID_DESTROY] = sizeof(struct drm_vxpu_asid_destroy),
	[DRM_VXPU_VM_MAP] = sizeof(struct drm_vxpu_vm_map),
	[DRM_VXPU_VM_UNMAP] = sizeof(struct drm_vxpu_vm_unmap),
	[DRM_VXPU_VM_READ] = sizeof(struct drm_vxpu_vm_rw),
	[DRM_VXPU_VM_WRITE] = sizeof(struct drm_vxpu_vm_rw),
	[DRM_VXPU_QUEUE_CREATE] = sizeof(struct drm_vxpu_queue_create),
	[DRM_VXPU_QUEUE_DESTROY] = sizeof(struct drm_vxpu_queue_destroy),
	[DRM_VXPU_QUEUE_DOORBELL] = sizeof(struct drm_vxpu_queue_doorbell),
	[DRM_VXPU_QUEUE_INFO] = sizeof(struct drm_vxpu_queue_info),
	[DRM_VXPU_CONTEXT_PAUSE] = sizeof(struct drm_vxpu_context_pause),
	[DRM_VXPU_EVENT_CREATE] = sizeof(struct drm_vxpu_event_create),
	[DRM_VXPU_EVENT_DESTROY] = sizeof(struct drm_vxpu_event_destroy),
	[DRM_VXPU_EVENT_READ] = sizeof(struct drm_vxpu_event_read),
	[DRM_VXPU_EVENT_WAIT] = sizeof(struct drm_vxpu_event_wait),
	[DRM_VXPU_CRIU] = sizeof(struct drm_vxpu_criu),
	[DRM_VXPU_GRANT_CREATE] = sizeof(struct drm_vxpu_grant_create),
	[DRM_VXPU_GRANT_MAP] = sizeof(struct drm_vxpu_grant_map),
	[DRM_VXPU_GRANT_UNMAP] = sizeof(struct drm_vxpu_grant_unmap),
	[DRM_VXPU_GRANT_REVOKE] = sizeof(struct drm_vxpu_grant_revoke),
	[DRM_VXPU_GRANT_INFO] = sizeof(struct drm_vxpu_grant_info),
	[DRM_VXPU_FAULT_READ] = sizeof(struct drm_vxpu_fault_read),
	[DRM_VXPU_FAULT_REPLY] = sizeof(struct drm_vxpu_fault_reply),
};

static_assert(ARRAY_SIZE(vxpu_ioctl_min_size) == ARRAY_SIZE(vxpu_ioctls));

/*
 * Size checks drm_ioctl() does not do: a struct longer than ours must have
 * an all-zero tail (-E2BIG), a struct shorter than its first published
 * size is refused (-EINVAL). drm_ioctl() then zero-extends short structs.
 */
static long vxpu_ioctl_check_size(unsigned int cmd, unsigned long arg)
{
	unsigned int nr = _IOC_NR(cmd);
	unsigned int usize = _IOC_SIZE(cmd);
	unsigned int ksize;
	int ret;

	if (nr < DRM_COMMAND_BASE ||
	    nr >= DRM_COMMAND_BASE + ARRAY_SIZE(vxpu_ioctls))
		return 0;

	nr -= DRM_COMMAND_BASE;
	ksize = _IOC_SIZE(vxpu_ioctls[nr].cmd);
	if (usize > ksize) {
		ret = check_zeroed_user(u64_to_user_ptr((u64)arg + ksize),
					usize - ksize);
		if (ret < 0)
			return ret;
		if (!ret)
			return -E2BIG;
	} else if (usize < vxpu_ioctl_min_size[nr]) {
		return -EINVAL;
	}
	return 0;
}

static long vxpu_unlocked_ioctl(struct file *filp, unsigned int cmd,
				unsigned long arg)
{
	long ret = vxpu_ioctl_check_size(cmd, arg);

	if (ret)
		return ret;
	return drm_ioctl(filp, cmd, arg);
}

#ifdef CONFIG_COMPAT
static long vxpu_compat_ioctl(struct file *filp, unsigned int cmd,
			      unsigned long arg)
{
	unsigned int nr = _IOC_NR(cmd);
	long ret;

	/* Our structs have one layout for 32- and 64-bit callers. */
	if (nr >= DRM_COMMAND_BASE) {
		arg = (unsigned long)compat_ptr(arg);
		ret = vxpu_ioctl_check_size(cmd, arg);
		if (ret)
			return ret;
		return drm_ioctl(filp, cmd, arg);
	}
	return drm_compat_ioctl(filp, cmd, arg);
}
#endif

static const struct file_operations vxpu_fops = {
	.owner		= THIS_MODULE,
	.open		= vxpu_fops_open,
	.release	= drm_release,
	.unlocked_ioctl	= vxpu_unlocked_ioctl,
#ifdef CONFIG_COMPAT
	.compat_ioctl	= vxpu_compat_ioctl,
#endif
	.poll		= vxpu_poll,	/* drm_poll + grant fault records */
	.read		= drm_read,
	.llseek		= noop_llseek,
	.mmap		= drm_gem_mmap,
	VXPU_FOP_FLAGS
};

static const struct drm_driver vxpu_drm_driver = {
	.driver_features	= DRIVER_GEM | VXPU_DRIVER_FEATURE_NODE,
	.open			= vxpu_ctx_open,
	.postclose		= vxpu_ctx_postclose,
	.gem_create_object	= vxpu_gem_create_object,
	.gem_prime_import	= vxpu_gem_prime_import,
	VXPU_DRIVER_PRIME_FD
	VXPU_DRIVER_PRIME_MMAP
	.ioctls			= vxpu_ioctls,
	.num_ioctls		= ARRAY_SIZE(vxpu_ioctls),
	.fops			= &vxpu_fops,
	.name			= DRIVER_NAME,
	.desc			= DRIVER_DESC,
	VXPU_DRIVER_DATE
	.major			= 1,
	.minor			= 0,
};

/* ---- sysfs: /sys/bus/platform/devices/vxpu.N/ ----------------------------- */

static struct vxpu_device *dev_to_vxpu(struct device *dev)
{
	return dev_get_drvdata(dev);
}

static ssize_t gpu_id_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%u\n", dev_to_vxpu(dev)->gpu_id);
}
static DEVICE_ATTR_RO(gpu_id);

static ssize_t name_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n", dev_to_vxpu(dev)->name);
}
static DEVICE_ATTR_RO(name);

static ssize_t vram_size_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", dev_to_vxpu(dev)->vram_size);
}
static DEVICE_ATTR_RO(vram_size);

static ssize_t vram_free_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", vxpu_vram_free(dev_to_vxpu(dev)));
}
static DEVICE_ATTR_RO(vram_free);

static ssize_t engine_count_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", dev_to_vxpu(dev)->engine_count);
}
static DEVICE_ATTR_RO(engine_count);

static ssize_t index_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%u\n", dev_to_vxpu(dev)->index);
}
static DEVICE_ATTR_RO(index);

static struct attribute *vxpu_dev_attrs[] = {
	&dev_attr_gpu_id.attr,
	&dev_attr_name.attr,
	&dev_attr_vram_size.attr,
	&dev_attr_vram_free.attr,
	&dev_attr_engine_count.attr,
	&dev_attr_index.attr,
	NULL
};
ATTRIBUTE_GROUPS(vxpu_dev);

/* ---- platform driver ------------------------------------------------------ */

static void vxpu_unregister(void *data)
{
	struct vxpu_device *vdev = data;

	drm_dev_unregister(&vdev->drm);
	vxpu_debugfs_device_fini(vdev);
}

static void vxpu_release(struct drm_device *drm, void *data)
{
	struct vxpu_device *vdev = to_vxpu_device(drm);

	WARN_ON(!xa_empty(&vdev->ctxs));
	xa_destroy(&vdev->ctxs);
	vxpu_criu_device_fini(vdev);
}

static int vxpu_probe(struct platform_device *pdev)
{
	struct vxpu_device *vdev;
	int ret;

	vdev = devm_drm_dev_alloc(&pdev->dev, &vxpu_drm_driver,
				  struct vxpu_device, drm);
	if (IS_ERR(vdev))
		return PTR_ERR(vdev);

	vdev->index = pdev->id;
	vdev->gpu_id = vxpu_gpu_id(vdev->index);
	vdev->engine_count = engines;
	snprintf(vdev->name, sizeof(vdev->name), "vxpu%u", vdev->index);
	xa_init_flags(&vdev->ctxs, XA_FLAGS_ALLOC1);
	vxpu_criu_device_init(vdev);
	ret = drmm_add_action_or_reset(&vdev->drm, vxpu_release, NULL);
	if (ret)
		return ret;

	ret = vxpu_vram_init(vdev, (u64)vram_mib << 20);
	if (ret)
		return ret;

	/* Stopped by a devm action, after vxpu_unregister(). */
	ret = vxpu_engine_init(vdev);
	if (ret)
		return ret;

	platform_set_drvdata(pdev, vdev);
	vxpu_debugfs_device_init(vdev);
	/* Grants: after debugfs (its "grants" file), before any open. */
	ret = vxpu_grant_device_init(vdev);
	if (!ret)
		ret = drm_dev_register(&vdev->drm, 0);
	if (ret) {
		vxpu_debugfs_device_fini(vdev);
		return ret;
	}

	ret = devm_add_action_or_reset(&pdev->dev, vxpu_unregister, vdev);
	if (ret)
		return ret;

	drm_info(&vdev->drm, "%s: gpu_id %u, %u MiB VRAM, %u engines\n",
		 vdev->name, vdev->gpu_id, vram_mib, vdev->engine_count);
	return 0;
}

static struct platform_driver vxpu_platform_driver = {
	.probe = vxpu_probe,
	.driver = {
		.name = DRIVER_NAME,
		.dev_groups = vxpu_dev_groups,
		.suppress_bind_attrs = true,
	},
};

static void vxpu_check_leaks(void)
{
	int ctxs = atomic_read(&vxpu_live_ctxs);
	int bos = atomic_read(&vxpu_live_bos);
	int asids = atomic_read(&vxpu_live_asids);
	int maps = atomic_read(&vxpu_live_mappings);
	int queues = atomic_read(&vxpu_live_queues);
	int events = atomic_read(&vxpu_live_events);
	int grants = atomic_read(&vxpu_live_grants);
	int foreign = atomic_read(&vxpu_live_foreign);
	int faults = atomic_read(&vxpu_live_faults);

	if (ctxs || bos || asids || maps || queues || events)
		pr_err("vxpu: leak: %d contexts, %d BOs, %d ASIDs, %d mappings, %d queues, %d events\n",
		       ctxs, bos, asids, maps, queues, events);
	if (grants || foreign || faults)
		pr_err("vxpu: leak: %d grants, %d foreign BOs, %d fault records\n",
		       grants, foreign, faults);
}

static void vxpu_remove_devices(void)
{
	int i;

	for (i = VXPU_MAX_DEVICES - 1; i >= 0; i--) {
		if (vxpu_pdevs[i])
			platform_device_unregister(vxpu_pdevs[i]);
		vxpu_pdevs[i] = NULL;
	}
}

static int __init vxpu_init(void)
{
	struct platform_device *pdev;
	unsigned int i;
	int ret;

	if (!num_devices || num_devices > VXPU_MAX_DEVICES ||
	    !vram_mib || vram_mib > 65536 || !engines || engines > 64 ||
	    default_quota_mib > (U64_MAX >> 20)) {
		pr_err("vxpu: invalid module parameters\n");
		return -EINVAL;
	}
	vxpu_default_quota = default_quota_mib << 20;

	vxpu_debugfs_module_init();

	ret = platform_driver_register(&vxpu_platform_driver);
	if (ret)
		goto err_debugfs;

	for (i = 0; i < num_devices; i++) {
		pdev = platform_device_register_simple(DRIVER_NAME, i, NULL, 0);
		if (IS_ERR(pdev)) {
			ret = PTR_ERR(pdev);
			goto err_devices;
		}
		vxpu_pdevs[i] = pdev;
		if (!platform_get_drvdata(pdev)) {
			pr_err("vxpu: device %u failed to probe\n", i);
			ret = -ENODEV;
			goto err_devices;
		}
	}
	return 0;

err_devices:
	vxpu_remove_devices();
	platform_driver_unregister(&vxpu_platform_driver);
err_debugfs:
	vxpu_debugfs_module_exit();
	return ret;
}

static void __exit vxpu_exit(void)
{
	vxpu_remove_devices();
	platform_driver_unregister(&vxpu_platform_driver);
	vxpu_debugfs_module_exit();
	vxpu_check_leaks();
}

module_init(vxpu_init);
module_exit(vxpu_exit);

MODULE_DESCRIPTION(DRIVER_DESC);
MODULE_LICENSE("GPL");
