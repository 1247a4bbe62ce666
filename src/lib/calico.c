#include "dsck/calico.h"
